using System.Text;

namespace QpActors.Persistence;

/// <summary>
/// Cuts a PostgreSQL script into statements where the server itself would end them: at a semicolon outside a quoted
/// string (<c>'...'</c>, with <c>''</c> inside and, in an <c>E'...'</c> string, backslash escapes), a quoted name
/// (<c>"..."</c>), a dollar-quoted body (<c>$$...$$</c>, <c>$tag$...$tag$</c>: function bodies) and a comment
/// (<c>-- ...</c> to the end of the line, <c>/* ... */</c>, which nest). Comments are left out of the statements.
/// Only scripts that run outside a transaction are cut (<see cref="SchemaMigrator.OutsideTransactionMarker"/>); the
/// others go to the server whole.
/// </summary>
internal static class SqlStatements
{
    public static IReadOnlyList<string> Split(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var statements = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (i < sql.Length)
        {
            if (sql[i] == ';')
            {
                Finish(current, statements);
                i++;
            }
            else if (At(sql, i, "--"))
            {
                // Up to the line's end, which stays: it separates what came before from what follows.
                var lineEnd = sql.IndexOf('\n', i);
                i = lineEnd < 0 ? sql.Length : lineEnd;
            }
            else if (At(sql, i, "/*"))
            {
                i = EndOfBlockComment(sql, i);
                current.Append(' ');
            }
            else
            {
                var end = sql[i] switch
                {
                    '\'' => EndOfQuoted(sql, i, '\'', backslashEscapes: IsEscapeString(sql, i)),
                    '"' => EndOfQuoted(sql, i, '"', backslashEscapes: false),
                    '$' when DollarTag(sql, i) is { } tag => EndOfDollarQuoted(sql, i, tag),
                    _ => i + 1,
                };
                current.Append(sql, i, end - i);
                i = end;
            }
        }

        Finish(current, statements);
        return statements;
    }

    private static void Finish(StringBuilder current, List<string> statements)
    {
        var statement = current.ToString().Trim();
        if (statement.Length > 0)
        {
            statements.Add(statement);
        }

        current.Clear();
    }

    private static bool At(string sql, int i, string text) => string.CompareOrdinal(sql, i, text, 0, text.Length) == 0;

    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c is '_' or '$';

    // E'...' (or e'...'), where E stands alone rather than ending a longer name.
    private static bool IsEscapeString(string sql, int quote) =>
        quote >= 1 && sql[quote - 1] is 'E' or 'e' && (quote < 2 || !IsNamePart(sql[quote - 2]));

    private static int EndOfQuoted(string sql, int open, char quote, bool backslashEscapes)
    {
        for (var i = open + 1; i < sql.Length; i++)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i++;
            }
            else if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i++;
                }
                else
                {
                    return i + 1;
                }
            }
        }

        throw Unterminated(sql, open, quote.ToString());
    }

    /// <summary>
    /// The tag (<c>$$</c> or <c>$name$</c>) a dollar quote opens with at <paramref name="i"/>, or null: a parameter
    /// (<c>$1</c>) and a <c>$</c> inside a name (<c>a$b</c>) open nothing.
    /// </summary>
    private static string? DollarTag(string sql, int i)
    {
        if (i > 0 && IsNamePart(sql[i - 1]))
        {
            return null;
        }

        var end = i + 1;
        if (end < sql.Length && (char.IsLetter(sql[end]) || sql[end] == '_'))
        {
            while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
            {
                end++;
            }
        }

        return end < sql.Length && sql[end] == '$' ? sql[i..(end + 1)] : null;
    }

    private static int EndOfDollarQuoted(string sql, int open, string tag)
    {
        var close = sql.IndexOf(tag, open + tag.Length, StringComparison.Ordinal);
        return close < 0 ? throw Unterminated(sql, open, tag) : close + tag.Length;
    }

    private static int EndOfBlockComment(string sql, int open)
    {
        var depth = 0;
        for (var i = open; i < sql.Length - 1; i++)
        {
            if (At(sql, i, "/*"))
            {
                depth++;
                i++;
            }
            else if (At(sql, i, "*/"))
            {
                depth--;
                i++;
                if (depth == 0)
                {
                    return i + 1;
                }
            }
        }

        throw Unterminated(sql, open, "/*");
    }

    // A script the splitter cannot close would otherwise run as fragments, each failing or, worse, passing alone.
    private static InvalidOperationException Unterminated(string sql, int open, string opening)
    {
        var line = sql.AsSpan(0, open).Count('\n') + 1;
        return new InvalidOperationException($"The script opens {opening} on line {line} and never closes it.");
    }
}
