using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Latchkey.AspNetCore.Tests;

/// <summary>The README's second-factor walk-through computes codes with oathtool: that exact command works.</summary>
public sealed partial class ReadmeTotpTests
{
    [Fact]
    public async Task TheReadmesOathtoolCommandMakesACodeTheServerAccepts()
    {
        var readme = await File.ReadAllTextAsync(FindReadme());
        var command = CommandPattern().Match(readme);
        Assert.True(command.Success, "the README shows no `CODE=$(oathtool …)` line");

        await using var host = await LatchkeyTestHost.StartAsync();
        // Note: oathtool reads the real clock, so the server's clock is set to it (the fake clock only moves forward).
        host.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var session = await host.SignupAndLoginAsync();
        var started = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/totp", new { password = LatchkeyTestHost.Password }, session);
        var secret = (await LatchkeyTestHost.ReadJsonAsync(started)).GetProperty("secret").GetString()!;

        var code = await RunAsync(command.Groups[1].Value, secret);
        host.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var confirmed = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/totp/confirm", new { code }, session);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
    }

    private static async Task<string> RunAsync(string command, string secret)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SECRET"] = secret;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"`{command}` failed ({process.ExitCode}): {error} (oathtool comes from Debian's oathtool package; ./test.sh installs it)");
        return output.Trim();
    }

    private static string FindReadme()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "test.sh")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("README.md of the repository");
    }

    [GeneratedRegex(@"CODE=\$\((oathtool [^)]*)\)")]
    private static partial Regex CommandPattern();
}
