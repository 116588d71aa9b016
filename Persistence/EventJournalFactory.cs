namespace QpActors.Persistence;

/// <summary>Creates the journal for a store. Run <see cref="SchemaMigrator.ApplyAsync"/> first.</summary>
public static class EventJournalFactory
{
    public static IEventJournal Create(StorageSettings settings, JournalOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= JournalOptions.Default;
        options.Validate();
        return settings.Kind switch
        {
            StorageKind.Postgres => new PostgresEventJournal(settings.ConnectionString, options),
            StorageKind.Sqlite => new SqliteEventJournal(settings.ConnectionString, options),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown storage kind."),
        };
    }
}
