using System.Globalization;

namespace QpActors.Domain.Events;

/// <summary>
/// What a practitioner's display name, from their token's OpenID Connect <c>name</c> claim, may hold before a level
/// decision keeps it. The name is shown to colleagues beside the decision and is written to the journal for good, so it
/// is held to what a person's name can be: surrounding white space is trimmed (an identity provider's padding, not part
/// of the name), a name of nothing but white space is no name, and a name that is too long or holds a character that is
/// not printable text (a control character such as a line break, a bidirectional override that would make the name
/// display as something else, a lone surrogate) is refused rather than cut or cleaned: a cut or cleaned name would still
/// be shown as the practitioner's, and a token carrying such a claim is a fault at the identity provider to mend there.
/// </summary>
public static class PractitionerNames
{
    /// <summary>The longest name kept, in UTF-16 code units after trimming; far beyond any person's name as shown.</summary>
    public const int MaximumLength = 200;

    /// <summary>The field a refusal names: the token's claim, as nothing in the body can name the practitioner.</summary>
    public const string Field = "token.name";

    /// <summary>
    /// The name to keep from every value the token's <c>name</c> claim carries (none, one, or several when the claim is a
    /// JSON array), or why it cannot be kept. A token carrying several names is refused as one carrying a name that cannot
    /// be shown: which of them is the practitioner's cannot be told, and keeping the first would name them by whichever
    /// the identity provider happened to list first (as a token with several roles is refused, not read by its first).
    /// </summary>
    public static (string? Name, string? Problem) Check(IReadOnlyList<string>? claims) => claims switch
    {
        null or [] => (null, null),
        [var claim] => Check(claim),
        _ => (null, string.Create(CultureInfo.InvariantCulture,
            $"your token carries {claims.Count} names (its name claim is a list); a decision keeps one name, and which is yours cannot be told (the identity provider's name claim needs mending)")),
    };

    /// <summary>The name to keep (null when the claim is absent or blank), or why the claim cannot be kept.</summary>
    public static (string? Name, string? Problem) Check(string? claim)
    {
        var name = claim?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return (null, null);
        }

        if (name.Length > MaximumLength)
        {
            return (null, $"the name your token carries is {name.Length} characters long; at most {MaximumLength} are kept (the identity provider's name claim needs mending)");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
                continue;
            }

            if (!IsPrintable(c))
            {
                return (null, string.Create(CultureInfo.InvariantCulture,
                    $"the name your token carries holds U+{(int)c:X4}, which is not printable text (the identity provider's name claim needs mending)"));
            }
        }

        return (name, null);
    }

    private static bool IsPrintable(char c) => char.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Surrogate or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,

        // Format characters: the joiners that some scripts write names with stay; the bidirectional embeddings, overrides
        // and isolates, which reorder the text shown around them, do not.
        UnicodeCategory.Format => c is not ((>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C'),
        _ => true,
    };
}
