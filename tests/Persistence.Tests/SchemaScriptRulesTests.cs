namespace QpActors.Persistence.Tests;

/// <summary>
/// What the migrator accepts as a script, checked as each process loads them (<see cref="SchemaMigrator.Validate"/>).
/// </summary>
public sealed class SchemaScriptRulesTests
{
    private const string Marked = SchemaMigrator.OutsideTransactionMarker + "\nCREATE INDEX t_x ON t (x);\n";

    [Fact]
    public void A_sqlite_script_marked_to_run_outside_the_transaction_is_refused_naming_it()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => SchemaMigrator.Validate(StorageKind.Sqlite, "Schema/sqlite/0009_x.sql", Marked));

        Assert.Contains("Schema/sqlite/0009_x.sql", refused.Message, StringComparison.Ordinal);
        Assert.Contains(SchemaMigrator.OutsideTransactionMarker, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_script_is_taken_on_postgres_and_an_unmarked_one_on_sqlite()
    {
        SchemaMigrator.Validate(StorageKind.Postgres, "Schema/postgres/0009_x.sql", Marked);
        SchemaMigrator.Validate(StorageKind.Sqlite, "Schema/sqlite/0009_x.sql", Marked[(SchemaMigrator.OutsideTransactionMarker.Length + 1)..]);
    }

    [Fact]
    public void A_marked_postgres_script_that_cannot_be_cut_into_statements_is_refused_naming_it()
    {
        var refused = Assert.Throws<InvalidOperationException>(() =>
            SchemaMigrator.Validate(StorageKind.Postgres, "Schema/postgres/0009_x.sql", SchemaMigrator.OutsideTransactionMarker + "\nSELECT 'a;\n"));

        Assert.Contains("Schema/postgres/0009_x.sql", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StorageKind.Sqlite)]
    [InlineData(StorageKind.Postgres)]
    public void Every_script_this_build_carries_passes(StorageKind kind)
    {
        Assert.NotEmpty(SchemaMigrator.Known(kind));
    }
}
