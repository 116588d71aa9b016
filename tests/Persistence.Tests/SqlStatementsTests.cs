namespace QpActors.Persistence.Tests;

/// <summary>
/// How a script run outside a transaction is cut into statements (<see cref="SchemaMigrator.Statements"/>): at each
/// semicolon PostgreSQL itself would end a statement at, and nowhere inside a quoted string, a quoted name, a
/// dollar-quoted body or a comment.
/// </summary>
public sealed class SqlStatementsTests
{
    private static List<string> Split(string sql) =>
        SchemaMigrator.Statements(sql).Select(s => s.ReplaceLineEndings("\n")).ToList();

    [Fact]
    public void A_function_body_in_dollar_quotes_is_one_statement()
    {
        const string Script = """
            CREATE FUNCTION qp_touch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.updated_at := now();
                RETURN NEW;
            END;
            $$;
            CREATE FUNCTION qp_named() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;' || $$b;$$ $body$;
            SELECT 1;
            """;

        var statements = Split(Script);

        Assert.Equal(3, statements.Count);
        Assert.EndsWith("END;\n$$", statements[0], StringComparison.Ordinal);
        Assert.Equal("CREATE FUNCTION qp_named() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;' || $$b;$$ $body$", statements[1]);
        Assert.Equal("SELECT 1", statements[2]);
    }

    [Fact]
    public void Semicolons_in_strings_names_and_comments_do_not_end_a_statement()
    {
        const string Script = """
            COMMENT ON TABLE t IS 'it''s; not the end;
            still the comment''s text';
            ALTER TABLE "odd;name" ADD COLUMN x text DEFAULT E'\';' /* a block; /* nested; */ still comment; */;
            SELECT '-- not a comment;' -- a comment; with a semicolon
            ;
            """;

        Assert.Equal(
            [
                "COMMENT ON TABLE t IS 'it''s; not the end;\nstill the comment''s text'",
                "ALTER TABLE \"odd;name\" ADD COLUMN x text DEFAULT E'\\';'",
                "SELECT '-- not a comment;'",
            ],
            Split(Script));
    }

    [Fact]
    public void Statements_may_share_a_line_and_the_last_needs_no_semicolon()
    {
        Assert.Equal(["SELECT 1", "SELECT 2", "SELECT $1::text", "SELECT a$b FROM t"], Split("SELECT 1; SELECT 2;\nSELECT $1::text; SELECT a$b FROM t"));
    }

    [Fact]
    public void Comments_and_blank_statements_are_left_out()
    {
        Assert.Equal(["SELECT 1"], Split("-- qp:outside-transaction\n-- only; a comment\n;\n/* ; */\nSELECT 1;\n;  \n-- the end;"));
    }

    [Fact]
    public void An_unterminated_quote_is_refused_rather_than_run_as_a_fragment()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => SchemaMigrator.Statements("SELECT 1;\nCREATE FUNCTION f() AS $$ SELECT 1;"));
        Assert.Contains("$$", refused.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => SchemaMigrator.Statements("SELECT 'a;"));
        Assert.Throws<InvalidOperationException>(() => SchemaMigrator.Statements("SELECT 1 /* a;"));
    }

    [Fact]
    public void Only_a_statement_that_builds_an_index_concurrently_names_one()
    {
        const string Script = """
            -- CREATE INDEX CONCURRENTLY commented_out ON t (x);
            COMMENT ON TABLE t IS 'CREATE INDEX CONCURRENTLY quoted ON t (x);';
            CREATE INDEX CONCURRENTLY IF NOT EXISTS built ON t (x);
            """;

        Assert.Equal(["built"], SchemaMigrator.ConcurrentIndexNames(Script));
    }
}
