namespace Latchkey.Cli;

/// <summary>The tool's exit codes, stable for scripts (docs/cli.md lists them).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An unexpected failure; the message says what.</summary>
    public const int Failed = 1;

    /// <summary>The command line or the configuration is wrong (unknown verb, missing option, bad provider).</summary>
    public const int Usage = 2;

    /// <summary>No such tenant, user, machine user or session.</summary>
    public const int NotFound = 3;

    /// <summary>Refused by a rule: the login is taken, or the change would leave a tenant without an enabled owner.</summary>
    public const int Conflict = 4;

    /// <summary>A value is refused: a weak password, an invalid name, login, role or scope.</summary>
    public const int Invalid = 5;

    /// <summary>The database cannot be reached or used right now; retry later.</summary>
    public const int Unavailable = 6;

    /// <summary>An import finished but refused some rows (listed with their line numbers).</summary>
    public const int PartlyDone = 7;
}

/// <summary>An expected failure of a command: its message goes to standard error and its code is the exit code.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
