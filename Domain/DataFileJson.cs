using System.Text.Json;

namespace QpActors.Domain;

/// <summary>Opening a practitioner-edited JSON data file (rules, schedule): comments allowed, bad JSON reported by file name.</summary>
internal static class DataFileJson
{
    /// <exception cref="DataFileException">The stream is not valid JSON.</exception>
    public static JsonDocument Parse(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new DataFileException(name, [$"not valid JSON: {ex.Message}"]);
        }
    }

    /// <summary>Loads the file at <paramref name="path"/>, naming it by its file name in any problem.</summary>
    public static T LoadFile<T>(string path, Func<Stream, string, T> load)
    {
        using var stream = File.OpenRead(path);
        return load(stream, Path.GetFileName(path));
    }
}
