using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using QpActors.Persistence;
using QpActors.Silo;

namespace QpActors.Integration.Tests;

/// <summary>
/// Migrations as a deliberate step: <c>./qp migrate</c> (the silo binary's <c>migrate</c>) brings a store up to date
/// and says what it applied; a silo with <c>Storage:Migrations=check</c> does not migrate at start, refuses a store that
/// lacks a version it needs and starts on one at or beyond its own. The default still migrates at start.
/// </summary>
public sealed class MigrationSettingTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "qp-migration-settings", Guid.NewGuid().ToString("N"));

    private string Database => Path.Combine(folder, StorageSettings.EmbeddedFileName);

    private IConfiguration Settings(string? migrations = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal) { ["Storage:DataDirectory"] = folder };
        if (migrations is not null)
        {
            values["Storage:Migrations"] = migrations;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("check")]
    public async Task A_silo_whose_store_cannot_be_reached_refuses_to_start_naming_the_setting_and_the_store_without_its_password(string migrations)
    {
        // Nothing listens on this port: the server is down, or the setting names the wrong one.
        var port = QpActors.Tests.Shared.LoopbackPorts.Free();
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=qp;Password=s3cret-word;Database=qp_nowhere;Timeout=5",
            ["Storage:Migrations"] = migrations,
        }).Build();

        var refusal = await Assert.ThrowsAsync<StoreUnreachableAtStartException>(() => SiloSetup.PrepareQpSiloAsync(settings));

        Assert.Contains("Storage:ConnectionString", refusal.Message, StringComparison.Ordinal);
        Assert.Contains($"PostgreSQL database 'qp_nowhere' on 127.0.0.1:{port}", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-word", refusal.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<SiloStartRefusedException>(refusal);
    }

    [Fact]
    public async Task A_silo_set_to_check_refuses_an_empty_store_naming_every_version_and_the_command_and_creates_nothing()
    {
        var refusal = await Assert.ThrowsAsync<SchemaBehindException>(() => SiloSetup.PrepareQpSiloAsync(Settings("check")));

        Assert.Contains("0001_orleans", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("0006_break_glass_openings", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("'./qp migrate'", refusal.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Database));
    }

    [Fact]
    public async Task A_silo_set_to_check_refuses_a_store_one_version_behind_naming_that_version()
    {
        await SiloSetup.MigrateAsync(Settings(), TextWriter.Null);
        await ExecuteAsync("DELETE FROM qp_schema_migrations WHERE version = 6");

        var refusal = await Assert.ThrowsAsync<SchemaBehindException>(() => SiloSetup.PrepareQpSiloAsync(Settings("check")));

        Assert.Contains("version(s) 0006_break_glass_openings that this silo needs", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0005", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(5, await CountAsync("SELECT count(*) FROM qp_schema_migrations"));
    }

    [Fact]
    public async Task A_silo_set_to_check_starts_on_a_current_store_and_on_one_a_newer_build_migrated()
    {
        await SiloSetup.MigrateAsync(Settings(), TextWriter.Null);

        await SiloSetup.PrepareQpSiloAsync(Settings("check"));

        // A newer build's silo migrated the store past what this build knows: scripts only add, so this silo still runs.
        await ExecuteAsync("INSERT INTO qp_schema_migrations (version, name) VALUES (99, 'from_a_newer_build')");
        await SiloSetup.PrepareQpSiloAsync(Settings("check"));
        Assert.Equal(7, await CountAsync("SELECT count(*) FROM qp_schema_migrations"));
    }

    [Fact]
    public async Task By_default_a_silo_migrates_at_start()
    {
        await SiloSetup.PrepareQpSiloAsync(Settings());

        Assert.True((await SchemaMigrator.CheckAsync(StorageSettings.Embedded(folder))).IsCurrent);
    }

    [Fact]
    public async Task Migrate_prints_what_it_applied_then_that_nothing_was_left_and_versions_from_a_newer_build()
    {
        using var first = new StringWriter();
        var applied = await SiloSetup.MigrateAsync(Settings(), first);

        Assert.Equal(SchemaMigrator.Known(StorageKind.Sqlite), applied);
        Assert.Equal(
            [$"qp migrate: SQLite file {Database}", .. SchemaMigrator.Known(StorageKind.Sqlite).Select(m => $"applied {m.Version:D4}_{m.Name}")],
            Lines(first));

        await ExecuteAsync("INSERT INTO qp_schema_migrations (version, name) VALUES (99, 'from_a_newer_build')");
        using var second = new StringWriter();
        Assert.Empty(await SiloSetup.MigrateAsync(Settings(), second));
        Assert.Equal(
            [
                $"qp migrate: SQLite file {Database}",
                "nothing to apply: the store already holds every version this build carries",
                "the store also holds 0099_from_a_newer_build, from a newer build",
            ],
            Lines(second));
    }

    [Fact]
    public void An_unknown_migrations_setting_stops_the_host_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => QpActors.Hosting.QpHostSettings.From(Settings("later"), folder));

        Assert.Equal("Storage:Migrations must be 'apply' or 'check', not 'later'.", error.Message);
    }

    private static string[] Lines(StringWriter output) =>
        output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(StorageSettings.Embedded(folder).ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new SqliteConnection(StorageSettings.Embedded(folder).ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
