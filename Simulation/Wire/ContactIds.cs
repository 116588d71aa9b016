namespace QpActors.Simulation;

/// <summary>The id alphabet of the wire format: 1-128 characters of <c>[A-Za-z0-9._:-]</c>.</summary>
public static class ContactIds
{
    public const int MaxLength = 128;

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
