using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Latchkey.Core.Services;

namespace Latchkey.Cli.Importing;

/// <summary>
/// Reads users to import: CSV with a header row (<c>login,password_hash[,role]</c>; RFC 4180 quoting, since Argon2
/// strings hold commas) or JSON Lines (<c>{"login": ..., "passwordHash": ..., "role": ...}</c>). Line numbers are the
/// file's, so rejected rows can be found in it.
/// </summary>
internal static class ImportFile
{
    public static bool IsJsonLines(string path, string? format) =>
        format?.ToLowerInvariant() switch
        {
            "jsonl" or "json" => true,
            "csv" => false,
            _ => path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase),
        };

    /// <summary>How many data rows the file holds (for progress), without parsing them.</summary>
    public static long CountRows(string path, bool jsonLines)
    {
        long count = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length > 0)
            {
                count++;
            }
        }

        return jsonLines ? count : Math.Max(0, count - 1);
    }

    public static IEnumerable<(ImportRow? Row, ImportRejection? Rejection)> Read(string path, bool jsonLines) =>
        jsonLines ? ReadJsonLines(path) : ReadCsv(path);

    private static IEnumerable<(ImportRow?, ImportRejection?)> ReadJsonLines(string path)
    {
        long line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            ImportRow? row = null;
            string? error = null;
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                row = root.ValueKind == JsonValueKind.Object
                    ? new ImportRow(line, Text(root, "login"), Text(root, "passwordHash") ?? Text(root, "password_hash"), Text(root, "role"))
                    : null;
                error = row is null ? "not a JSON object" : null;
            }
            catch (JsonException)
            {
                error = "not valid JSON";
            }

            yield return (row, error is null ? null : new ImportRejection(line, error));
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IEnumerable<(ImportRow?, ImportRejection?)> ReadCsv(string path)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant().Replace("_", "", StringComparison.Ordinal),
            MissingFieldFound = null,
            BadDataFound = null,
        };
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, configuration);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } header
            || !header.Select(h => h.Trim().ToLowerInvariant().Replace("_", "", StringComparison.Ordinal)).Contains("login")
            || !header.Select(h => h.Trim().ToLowerInvariant().Replace("_", "", StringComparison.Ordinal)).Contains("passwordhash"))
        {
            throw new CliException(ExitCodes.Invalid, $"{path}: the first line must name the columns: login,password_hash[,role].");
        }

        var hasRole = header.Any(h => h.Trim().Equals("role", StringComparison.OrdinalIgnoreCase));
        while (csv.Read())
        {
            var line = csv.Parser.RawRow;
            yield return (new ImportRow(line, csv.GetField("login"), csv.GetField("passwordhash"), hasRole ? csv.GetField("role") : null), null);
        }
    }
}
