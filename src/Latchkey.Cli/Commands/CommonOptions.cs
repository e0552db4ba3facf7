using System.CommandLine;

namespace Latchkey.Cli.Commands;

/// <summary>Options several verbs share; each verb adds its own instance, so help text stays specific.</summary>
internal static class CommonOptions
{
    public static Option<string> Tenant(string description = "The tenant: its id, or a name only one tenant has.") =>
        new("--tenant", "-t") { Description = description, Required = true };

    public static Option<string?> OptionalTenant(string description) => new("--tenant", "-t") { Description = description };

    public static Option<bool> PasswordStdin() => new("--password-stdin")
    {
        Description = "Read the password from the first line of standard input instead of prompting (never pass it as an argument).",
    };
}
