using System.Collections;

namespace Latchkey.Cli;

/// <summary>
/// Everything the tool takes from its process: standard streams, environment variables, working directory and who
/// runs it. The tests pass their own, so the tool runs in-process exactly as from a shell.
/// </summary>
public sealed class CliConsole
{
    public required TextReader In { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>The environment variables the configuration is read from (<c>Latchkey__...</c>, <c>ConnectionStrings__...</c>).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where <c>appsettings.json</c> is looked for.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Whether standard input is a terminal a password can be typed into without echo.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Whether standard error is a terminal, where progress redraws one line instead of printing many.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Who acts, as the audit log names it: <c>cli:&lt;os user&gt;@&lt;host&gt;</c>.</summary>
    public string Operator { get; init; } = $"cli:{System.Environment.UserName}@{System.Environment.MachineName}";

    public static CliConsole FromProcess() => new()
    {
        In = Console.In,
        Out = Console.Out,
        Error = Console.Error,
        Environment = System.Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value),
        InputIsTerminal = !Console.IsInputRedirected,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };
}
