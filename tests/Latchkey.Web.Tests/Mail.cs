using System.Text.RegularExpressions;

namespace Latchkey.Web.Tests;

/// <summary>The messages the server dropped into its pickup directory, read as a mail client would see their links.</summary>
internal static partial class Mail
{
    /// <summary>Waits for the first message to <paramref name="to"/> that carries a link to <paramref name="path"/>, and returns the link.</summary>
    public static async Task<string> LinkAsync(WebServer server, string to, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (Directory.Exists(server.MailDirectory))
            {
                foreach (var file in Directory.EnumerateFiles(server.MailDirectory, "*.eml"))
                {
                    string text;
                    try
                    {
                        text = await File.ReadAllTextAsync(file);
                    }
                    catch (IOException)
                    {
                        continue; // still being written
                    }

                    if (text.Contains($"To: {to}", StringComparison.OrdinalIgnoreCase)
                        || text.Contains($"<{to}>", StringComparison.OrdinalIgnoreCase))
                    {
                        var link = Link().Matches(text).Select(m => m.Value).FirstOrDefault(l => l.Contains(path + "#token=", StringComparison.Ordinal));
                        if (link is not null)
                        {
                            return link;
                        }
                    }
                }
            }

            // Note: the outbox delivers as soon as a message is queued; this waits on the file, with a deadline
            // that only a failure reaches.
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No message to {to} with a link to {path} arrived in {server.MailDirectory}.");
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"https://latchkey\.test/[^\s""<>]+")]
    private static partial Regex Link();
}
