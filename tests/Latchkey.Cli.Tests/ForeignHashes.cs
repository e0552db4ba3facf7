using System.Diagnostics;
using System.Text.Json;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.Cli.Tests;

/// <summary>
/// Password hashes made by the systems users are imported from, with those systems' own code: ASP.NET Core Identity's
/// PasswordHasher, Apache's htpasswd (bcrypt), Python's hashlib in Django's format, and the reference argon2 tool.
/// Never by Latchkey's code. Costs are the lowest each format allows, to keep the suite fast.
/// </summary>
internal static class ForeignHashes
{
    public static string AspNetIdentityV3(string password) =>
        new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 1000 })).HashPassword(new object(), password);

    public static string AspNetIdentityV2(string password) =>
        new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }))
            .HashPassword(new object(), password);

    /// <summary>bcrypt hashes (<c>$2y$</c>, cost 4) from Debian's <c>htpasswd -B</c> (apache2-utils).</summary>
    public static async Task<string[]> BcryptAsync(IReadOnlyList<string> passwords)
    {
        var hashes = new string[passwords.Count];
        for (var i = 0; i < passwords.Count; i++)
        {
            var line = await RunAsync("htpasswd", ["-niB", "-C", "4", "user"], passwords[i] + "\n");
            hashes[i] = line.Trim().Split(':', 2)[1];
        }

        return hashes;
    }

    /// <summary>Django's <c>pbkdf2_sha256$iterations$salt$hash</c>, computed by Python's hashlib as Django does.</summary>
    public static async Task<string[]> DjangoAsync(IReadOnlyList<string> passwords, int iterations = 1000)
    {
        const string script = """
            import base64, hashlib, json, secrets, string, sys
            alphabet = string.ascii_letters + string.digits
            for password in json.load(sys.stdin):
                salt = ''.join(secrets.choice(alphabet) for _ in range(22))
                digest = hashlib.pbkdf2_hmac('sha256', password.encode(), salt.encode(), int(sys.argv[1]))
                print('pbkdf2_sha256$%s$%s$%s' % (sys.argv[1], salt, base64.b64encode(digest).decode()))
            """;
        var output = await RunAsync("python3", ["-c", script, iterations.ToString()], JsonSerializer.Serialize(passwords));
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>An Argon2id PHC string from the reference <c>argon2</c> tool (Debian's argon2 package).</summary>
    public static async Task<string> Argon2Async(string password, int parallelism, string variant = "-id")
    {
        var salt = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..16];
        return (await RunAsync("argon2", [salt, variant, "-t", "1", "-k", (16 * parallelism).ToString(), "-p", parallelism.ToString(), "-e"], password)).Trim();
    }

    public static async Task<string> StoredVerifierAsync(CliDatabase db, string login)
    {
        await using var services = db.Services();
        var user = await services.UnscopedAsync(sp => sp.GetRequiredService<IUserStore>().FindByLoginAsync(login, CancellationToken.None));
        return user!.SecretVerifier;
    }

    private static async Task<string> RunAsync(string file, string[] arguments, string input)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} failed: {await error}");
        return await output;
    }
}
