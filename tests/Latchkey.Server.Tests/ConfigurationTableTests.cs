using System.Reflection;
using System.Text.RegularExpressions;

namespace Latchkey.Server.Tests;

/// <summary>The README's configuration table names every key the options classes bind, and no key that none binds.</summary>
public sealed partial class ConfigurationTableTests
{
    // Note: keys read outside an options class: the connection string, ASP.NET Core's own address, the secrets directory.
    private static readonly string[] KeysReadDirectly = ["ConnectionStrings:Latchkey", "Urls", "Latchkey:SecretsDirectory"];

    [Fact]
    public void EveryBoundKeyIsInTheReadmesConfigurationTable()
    {
        var table = TableKeys();
        var bound = BoundKeys().Concat(KeysReadDirectly).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Empty(bound.Where(k => !table.Contains(k)).Order());
        Assert.Empty(table.Where(k => !bound.Contains(k)).Order());
    }

    /// <summary>Section + property for every options class of Latchkey's assemblies (those with a <c>Section</c> constant).</summary>
    private static IEnumerable<string> BoundKeys()
    {
        var assemblies = new[] { "Latchkey.Core", "Latchkey.Storage", "Latchkey.AspNetCore", "Latchkey.Server" }.Select(Assembly.Load);
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is string section && section.StartsWith("Latchkey", StringComparison.Ordinal))
            {
                foreach (var key in Keys(section, type))
                {
                    yield return key;
                }
            }
        }
    }

    private static IEnumerable<string> Keys(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var kind = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            // Note: a property bound from a key outside its section names that key in a constant (PublicBaseUrlKey).
            if (type.GetField(property.Name + "Key", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is string own)
            {
                yield return own;
            }
            else if (kind.IsClass && kind != typeof(string) && kind.Namespace?.StartsWith("Latchkey", StringComparison.Ordinal) == true)
            {
                foreach (var key in Keys($"{prefix}:{property.Name}", kind))
                {
                    yield return key;
                }
            }
            else
            {
                yield return $"{prefix}:{property.Name}";
            }
        }
    }

    /// <summary>The keys of the table under "## Configuration": each backticked key of a row's first cell.</summary>
    private static HashSet<string> TableKeys()
    {
        var readme = File.ReadAllLines(Path.Combine(ServerProcess.RepositoryRoot, "README.md"));
        var start = Array.IndexOf(readme, "## Configuration");
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in readme.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
                     .Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cell = row.Split('|')[1];
            string? last = null;
            foreach (Match match in Backticked().Matches(cell))
            {
                var key = match.Groups[1].Value;
                // Note: "`Latchkey:Email:Smtp:Username`, `:Password`" names a sibling of the key before it.
                last = key.StartsWith(':') && last is not null ? last[..last.LastIndexOf(':')] + key : key;
                keys.Add(last);
            }
        }

        return keys;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
