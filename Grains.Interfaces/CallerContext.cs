namespace QpActors.Grains.Interfaces;

/// <summary>
/// Carries the authenticated caller with each grain call. Orleans' RequestContext flows with the call
/// (and onward calls it makes) but is set only inside the cluster's own processes: the gateway sets it
/// from a validated token, so a client of the gateway can never choose who it is to the grains.
/// </summary>
public static class CallerContext
{
    private const string Key = "qp.caller";

    public static void Set(Caller caller) => RequestContext.Set(Key, caller);

    public static Caller? Current => RequestContext.Get(Key) as Caller;

    public static void Clear() => RequestContext.Remove(Key);
}
