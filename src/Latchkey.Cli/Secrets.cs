using System.Text;

namespace Latchkey.Cli;

/// <summary>
/// Reads passwords: from a prompt without echo, or with <c>--password-stdin</c> from standard input. Never from an
/// argument, which any user of the machine could read from the process list.
/// </summary>
internal static class Secrets
{
    public static string ReadNewPassword(CliConsole console, bool fromStdin, string prompt)
    {
        if (fromStdin)
        {
            var line = console.In.ReadLine();
            if (string.IsNullOrEmpty(line))
            {
                throw new CliException(ExitCodes.Usage, "--password-stdin: standard input held no password.");
            }

            return line.TrimEnd('\r');
        }

        if (!console.InputIsTerminal)
        {
            throw new CliException(ExitCodes.Usage,
                "No terminal to prompt for the password: give --password-stdin and pipe the password in.");
        }

        var first = Prompt(console, $"{prompt}: ");
        var second = Prompt(console, $"{prompt} (again): ");
        if (first != second)
        {
            throw new CliException(ExitCodes.Invalid, "The two passwords differ.");
        }

        return first;
    }

    private static string Prompt(CliConsole console, string prompt)
    {
        console.Error.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }

                continue;
            }

            if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        console.Error.WriteLine();
        return password.ToString();
    }
}
