using System.Collections;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QpActors.Domain;

/// <summary>
/// An immutable list with value equality. Records that hold one compare by content, which is what
/// makes folded states comparable and events round-trip exactly; plain <see cref="ImmutableArray{T}"/>
/// compares by reference.
/// </summary>
[JsonConverter(typeof(ValueListJsonConverterFactory))]
[CollectionBuilder(typeof(ValueList), nameof(ValueList.Create))]
public readonly struct ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly ImmutableArray<T> items;

    public ValueList(ImmutableArray<T> items) => this.items = items.IsDefault ? [] : items;

    public ValueList(IEnumerable<T> items) => this.items = [.. items];

    public static ValueList<T> Empty => new([]);

    private ImmutableArray<T> Items => items.IsDefault ? [] : items;

    public int Count => Items.Length;

    public T this[int index] => Items[index];

    public bool IsEmpty => Items.IsEmpty;

    public ImmutableArray<T> AsImmutableArray() => Items;

    public ImmutableArray<T>.Enumerator GetEnumerator() => Items.GetEnumerator();

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)Items).GetEnumerator();

    /// <summary>Inserts keeping the list sorted; an item that compares equal to one present is dropped.</summary>
    public ValueList<T> InsertSorted(T item, IComparer<T> comparer)
    {
        var array = Items;
        var index = BinarySearch(array, item, comparer);
        return index >= 0 ? this : new ValueList<T>(array.Insert(~index, item));
    }

    /// <summary>
    /// <see cref="InsertSorted"/>, then the first item dropped if the list has grown past <paramref name="capacity"/>:
    /// the same list, built in one copy instead of two (a family's recent history is full and changes on every event).
    /// </summary>
    public ValueList<T> InsertSortedKeepingLast(T item, IComparer<T> comparer, int capacity)
    {
        var array = Items;
        var index = BinarySearch(array, item, comparer);
        if (index >= 0)
        {
            return array.Length > capacity ? RemoveAt(0) : this;
        }

        index = ~index;
        var drop = array.Length + 1 > capacity ? 1 : 0;
        if (index < drop)
        {
            return this; // it would sort first and be dropped at once
        }

        var items = new T[array.Length + 1 - drop];
        array.AsSpan(drop, index - drop).CopyTo(items);
        items[index - drop] = item;
        array.AsSpan(index, array.Length - index).CopyTo(items.AsSpan(index - drop + 1));
        return new ValueList<T>(ImmutableCollectionsMarshal.AsImmutableArray(items));
    }

    public ValueList<T> SetItem(int index, T item) => new(Items.SetItem(index, item));

    public ValueList<T> RemoveAt(int index) => new(Items.RemoveAt(index));

    public ValueList<T> Add(T item) => new(Items.Add(item));

    public int IndexOf(Func<T, bool> match)
    {
        var array = Items;
        for (var i = 0; i < array.Length; i++)
        {
            if (match(array[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public bool Equals(ValueList<T> other) =>
        Items.AsSpan().SequenceEqual(other.Items.AsSpan(), EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(ValueList<T> left, ValueList<T> right) => left.Equals(right);

    public static bool operator !=(ValueList<T> left, ValueList<T> right) => !left.Equals(right);

    private static int BinarySearch(ImmutableArray<T> array, T item, IComparer<T> comparer)
    {
        int low = 0, high = array.Length - 1;
        while (low <= high)
        {
            var mid = low + ((high - low) / 2);
            var order = comparer.Compare(array[mid], item);
            if (order == 0)
            {
                return mid;
            }

            if (order < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return ~low;
    }
}

/// <summary>Builds value lists from collection expressions (<c>[a, b]</c>).</summary>
public static class ValueList
{
    public static ValueList<T> Create<T>(ReadOnlySpan<T> items) => new([.. items]);
}

/// <summary>Writes a <see cref="ValueList{T}"/> as a plain JSON array.</summary>
public sealed class ValueListJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ValueList<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(
            typeof(ValueListJsonConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class ValueListJsonConverter<T> : JsonConverter<ValueList<T>>
    {
        public override ValueList<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(JsonSerializer.Deserialize<ImmutableArray<T>>(ref reader, options));

        public override void Write(Utf8JsonWriter writer, ValueList<T> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.AsImmutableArray(), options);
    }
}
