namespace QpActors.Grains;

/// <summary>
/// Lets a grain send one-way notices without the request context of the call it is handling, and restores that context
/// for the rest of the turn when disposed. A notice reports a fact (events recorded, a ward changed), not a request made
/// for the caller, and no receiver reads a caller from it: with the context, Orleans would copy the caller's identity
/// into each message and the receiver would copy it again.
/// </summary>
/// <example><c>using (NoticeScope.Begin()) { _ = family.ApplyChildEventsAsync(...); }</c></example>
internal readonly ref struct NoticeScope
{
    private readonly ExecutionContext? _turn;

    private NoticeScope(ExecutionContext? turn) => _turn = turn;

    public static NoticeScope Begin()
    {
        var turn = ExecutionContext.Capture();
        RequestContext.Clear();
        return new NoticeScope(turn);
    }

    public void Dispose()
    {
        if (_turn is not null)
        {
            ExecutionContext.Restore(_turn);
        }
    }
}
