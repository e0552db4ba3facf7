using System.Diagnostics;
using System.Text;
using Latchkey.Core.Credentials;

namespace Latchkey.Core.Tests.Credentials;

/// <summary>
/// Round trips with the reference implementation's CLI (Debian package <c>argon2</c>), so stored hashes stay
/// portable to and from any standard Argon2id implementation.
/// </summary>
public sealed class Argon2ReferenceToolTests
{
    private const string ToolPath = "/usr/bin/argon2";
    private const string Password = "correct horse battery staple";

    [Fact]
    public void OurHasherVerifiesAHashEncodedByTheReferenceTool()
    {
        var encoded = RunTool(BashQuote("latchkeysalt1234"), Password, iterations: 1, memoryKiB: 8);
        Assert.StartsWith("$argon2id$v=19$m=8,t=1,p=1$bGF0Y2hrZXlzYWx0MTIzNA$", encoded, StringComparison.Ordinal);
        var hasher = new Argon2idPasswordHasher(TestPasswordOptions.Cheap());

        Assert.Equal(PasswordVerification.Success, hasher.Verify(encoded, Password));
        Assert.Equal(PasswordVerification.Failed, hasher.Verify(encoded, "correct horse battery stapler"));
    }

    [Fact]
    public void OurHasherVerifiesAReferenceToolHashOfANonAsciiPassword()
    {
        var password = PasswordPolicy.Normalize("pässwörd パスワード 🔑")!;
        var encoded = RunTool(BashQuote("another-salt-16b"), password, iterations: 2, memoryKiB: 16);
        var hasher = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations: 2, memoryKiB: 16));

        Assert.Equal(PasswordVerification.Success, hasher.Verify(encoded, password));
        Assert.Equal(PasswordVerification.Failed, hasher.Verify(encoded, Password));
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 16)]
    [InlineData(3, 64)]
    public void TheReferenceToolComputesTheSameHashAsOursForTheSameSaltAndParameters(int iterations, int memoryKiB)
    {
        var hasher = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations, memoryKiB));

        // Note: the salt reaches the tool on argv, which cannot carry a 0x00 byte, so hash again until the random
        // salt has none (about one salt in 16 has one).
        string ours;
        byte[] salt;
        do
        {
            ours = hasher.Hash(Password);
            salt = Convert.FromBase64String(PadBase64(ours.Split('$')[4]));
        }
        while (salt.Contains((byte)0));

        var theirs = RunTool(BashQuote(salt), Password, iterations, memoryKiB);

        Assert.Equal(theirs, ours);
    }

    private static string PadBase64(string unpadded) => unpadded.PadRight((unpadded.Length + 3) / 4 * 4, '=');

    private static string BashQuote(string asciiSalt) => BashQuote(Encoding.ASCII.GetBytes(asciiSalt));

    /// <summary>The bytes as a bash ANSI-C quoted word, <c>$'\xNN...'</c>, so any byte but 0x00 passes intact.</summary>
    private static string BashQuote(byte[] bytes) => "$'" + string.Concat(bytes.Select(b => $"\\x{b:x2}")) + "'";

    private static string RunTool(string quotedSalt, string password, int iterations, int memoryKiB)
    {
        if (!File.Exists(ToolPath))
        {
            Assert.Fail($"The Argon2 reference tool is not installed at {ToolPath}; install it with `apt-get install -y argon2`.");
        }

        // Note: hash length 32 is libsodium's (and so Geralt's) output length; parallelism 1 is libsodium's only lane count.
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"printf '%s' \"$1\" | {ToolPath} {quotedSalt} -id -t {iterations} -k {memoryKiB} -p 1 -l 32 -e");
        start.ArgumentList.Add("bash");
        start.ArgumentList.Add(password);

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.True(process.ExitCode == 0, $"argon2 exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Trim();
    }
}
