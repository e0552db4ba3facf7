using System.Text.Json;
using System.Text.Json.Serialization;

namespace Latchkey.Cli;

/// <summary>What a command prints: aligned columns for people, or with <c>--json</c> one JSON document for scripts.</summary>
internal sealed class Output(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public bool Json => json;

    /// <summary>Prints <paramref name="value"/> as JSON, or as a table of <paramref name="rows"/> under <paramref name="headers"/>.</summary>
    public void Table<T>(IEnumerable<T> value, string[] headers, Func<T, object?[]> row)
    {
        var items = value.ToList();
        if (json)
        {
            writer.WriteLine(JsonSerializer.Serialize(items, JsonOptions));
            return;
        }

        var cells = items.Select(i => row(i).Select(Format).ToArray()).ToList();
        var widths = headers.Select((h, c) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => r[c].Length))).ToArray();
        writer.WriteLine(Line(headers.Select(h => h.ToUpperInvariant()).ToArray(), widths));
        foreach (var r in cells)
        {
            writer.WriteLine(Line(r, widths));
        }

        if (items.Count == 0)
        {
            writer.WriteLine("(none)");
        }
    }

    /// <summary>Prints <paramref name="value"/> as JSON, or as <c>name: value</c> lines.</summary>
    public void Record(object value, params (string Name, object? Value)[] fields)
    {
        if (json)
        {
            writer.WriteLine(JsonSerializer.Serialize(value, value.GetType(), JsonOptions));
            return;
        }

        var width = fields.Max(f => f.Name.Length) + 1;
        foreach (var (name, field) in fields)
        {
            writer.WriteLine($"{(name + ":").PadRight(width)} {Format(field)}");
        }
    }

    /// <summary>A sentence for people; with <c>--json</c>, <paramref name="value"/> instead.</summary>
    public void Message(string message, object value)
    {
        writer.WriteLine(json ? JsonSerializer.Serialize(value, value.GetType(), JsonOptions) : message);
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();

    private static string Format(object? value) => value switch
    {
        null => "-",
        DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'"),
        IEnumerable<string> list => string.Join(' ', list),
        _ => value.ToString() ?? "",
    };
}
