using System.Runtime.CompilerServices;
using Google.Protobuf.Reflection;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A field number of a published message is never given to another field: each number in proto-fields.txt (every field
/// the qp.v1 protos have had) still carries its type, or is reserved in its message, so a client built against any
/// earlier version never reads one field as another. New fields are free; the list gains a line for each.
/// </summary>
public sealed class ProtoFieldNumbersTests
{
    private static readonly FileDescriptor[] Files =
        [ContactsReflection.Descriptor, FamiliesReflection.Descriptor, WardsReflection.Descriptor, AuditReflection.Descriptor, SummariesReflection.Descriptor];

    [Fact]
    public void Every_published_field_number_keeps_its_type_or_is_reserved()
    {
        var messages = Files.SelectMany(f => f.MessageTypes).ToDictionary(m => m.FullName, StringComparer.Ordinal);
        var reserved = Files
            .SelectMany(f => FileDescriptorProto.Parser.ParseFrom(f.SerializedData).MessageType.Select(m => (f.Package + "." + m.Name, m.ReservedRange)))
            .ToDictionary(m => m.Item1, m => m.ReservedRange.ToArray(), StringComparer.Ordinal);
        var wrong = new List<string>();

        foreach (var line in File.ReadLines(Path.Combine(Path.GetDirectoryName(SourceFile())!, "proto-fields.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(' ', 4);
            var (message, number, name, type) = (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], parts[3]);
            if (!messages.TryGetValue(message, out var descriptor))
            {
                wrong.Add($"{message} is gone: a published message stays");
                continue;
            }

            var field = descriptor.FindFieldByNumber(number);
            if (field is null)
            {
                if (!reserved[message].Any(r => r.Start <= number && number < r.End))
                {
                    wrong.Add($"{message} {number} ({name}) was removed without reserving its number");
                }
            }
            else if (TypeOf(field) != type)
            {
                wrong.Add($"{message} {number} was {name} {type} and is now {field.Name} {TypeOf(field)}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void Every_field_of_the_protos_is_listed()
    {
        // Only so that the list stays the whole history: a field missing from it is not protected by the test above.
        var listed = File.ReadLines(Path.Combine(Path.GetDirectoryName(SourceFile())!, "proto-fields.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => string.Join(' ', l.Split(' ', 4)[0], l.Split(' ', 4)[1]))
            .ToHashSet(StringComparer.Ordinal);
        var missing = Files.SelectMany(f => f.MessageTypes)
            .SelectMany(m => m.Fields.InFieldNumberOrder().Select(f => $"{m.FullName} {f.FieldNumber} {f.Name} {TypeOf(f)}"))
            .Where(f => !listed.Contains(string.Join(' ', f.Split(' ')[0], f.Split(' ')[1])))
            .ToArray();

        Assert.True(missing.Length == 0, "Add to proto-fields.txt:" + Environment.NewLine + string.Join(Environment.NewLine, missing));
    }

    private static string TypeOf(FieldDescriptor field)
    {
        var type = field.FieldType is FieldType.Message or FieldType.Enum
            ? field.FieldType == FieldType.Message ? field.MessageType.FullName : field.EnumType.FullName
            : field.FieldType.ToString().ToLowerInvariant();
        return field.IsRepeated ? "repeated " + type : type;
    }

    private static string SourceFile([CallerFilePath] string path = "") => path;
}
