using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace QpActors.Domain.Events;

/// <summary>The five Healthy Child Programme mandated health-visiting reviews.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MandatedReview>))]
public enum MandatedReview
{
    [JsonStringEnumMemberName("antenatal")] Antenatal,
    [JsonStringEnumMemberName("new-birth")] NewBirth,
    [JsonStringEnumMemberName("6-8-week")] SixToEightWeek,
    [JsonStringEnumMemberName("1-year")] OneYear,
    [JsonStringEnumMemberName("2-year")] TwoYear,
}

/// <summary>Concerns a practitioner can raise about a family.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Concern>))]
public enum Concern
{
    [JsonStringEnumMemberName("maternal-mental-health")] MaternalMentalHealth,
    [JsonStringEnumMemberName("domestic-abuse")] DomesticAbuse,
    [JsonStringEnumMemberName("substance-use")] SubstanceUse,
    [JsonStringEnumMemberName("housing")] Housing,
    [JsonStringEnumMemberName("safeguarding")] Safeguarding,
}

[JsonConverter(typeof(JsonStringEnumConverter<Housing>))]
public enum Housing
{
    [JsonStringEnumMemberName("social-rented")] SocialRented,
    [JsonStringEnumMemberName("private-rented")] PrivateRented,
    [JsonStringEnumMemberName("owner-occupied")] OwnerOccupied,
    [JsonStringEnumMemberName("temporary-accommodation")] TemporaryAccommodation,
    [JsonStringEnumMemberName("overcrowded")] Overcrowded,
    [JsonStringEnumMemberName("homeless")] Homeless,
    [JsonStringEnumMemberName("other")] Other,
}

/// <summary>The 4-5-6 model's levels below "community".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServiceLevel>))]
public enum ServiceLevel
{
    [JsonStringEnumMemberName("universal")] Universal,
    [JsonStringEnumMemberName("universal-plus")] UniversalPlus,
    [JsonStringEnumMemberName("universal-partnership-plus")] UniversalPartnershipPlus,
}

[JsonConverter(typeof(JsonStringEnumConverter<MemberRole>))]
public enum MemberRole
{
    [JsonStringEnumMemberName("parent")] Parent,
    [JsonStringEnumMemberName("carer")] Carer,
    [JsonStringEnumMemberName("child")] Child,
}

/// <summary>
/// Kebab-case wire names of the catalogue's enums, both ways. The names come from the
/// <see cref="JsonStringEnumMemberNameAttribute"/> on each member, so the hand-written parser and
/// plain <c>JsonSerializer</c> can never disagree.
/// </summary>
public static class WireName
{
    public static string ToWireName<T>(this T value)
        where T : struct, Enum => Names<T>.ToWire.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"No wire name for {typeof(T).Name}.{value}.");

    public static bool TryParse<T>(string? wireName, out T value)
        where T : struct, Enum
    {
        if (wireName is not null && Names<T>.FromWire.TryGetValue(wireName, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    public static T Parse<T>(string wireName)
        where T : struct, Enum => TryParse<T>(wireName, out var value)
            ? value
            : throw new FormatException($"'{wireName}' is not a {typeof(T).Name}.");

    /// <summary>All wire names of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => Names<T>.InOrder;

    private static class Names<T>
        where T : struct, Enum
    {
        public static readonly IReadOnlyList<string> InOrder;
        public static readonly FrozenDictionary<T, string> ToWire;
        public static readonly FrozenDictionary<string, T> FromWire;

        static Names()
        {
            var pairs = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (Value: (T)f.GetValue(null)!,
                    Name: f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                        ?? throw new InvalidOperationException($"{typeof(T).Name}.{f.Name} lacks a wire name.")))
                .ToArray();
            InOrder = pairs.Select(p => p.Name).ToArray();
            ToWire = pairs.ToFrozenDictionary(p => p.Value, p => p.Name);
            FromWire = pairs.ToFrozenDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        }
    }
}
