using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Latchkey.AspNetCore.Tests;

/// <summary><c>POST /v1/leaks</c>: reported credentials stop working at once, and the answer tells the reporter nothing.</summary>
public sealed class LeakReportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ABatchOfAThousandRevokesTheLiveOnesAndAnswersAsForRandomStrings()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var random = Enumerable.Range(0, 1000).Select(RandomString).ToList();

        // Random strings alone: no database work at all, and the one answer.
        host.Logs.Clear();
        var forRandom = await ReportAsync(host, random);
        Assert.Empty(Commands(host));

        var (_, aliceId, alice) = await host.CreateTenantAsync("alice@example.com", "Acme");
        var (_, _, bob) = await host.CreateTenantAsync("bob@example.com", "Globex");
        var aliceLaptop = await host.LoginAsync("alice@example.com", "alice-laptop");
        var (machineId, machine) = await host.CreateMachineUserAsync(bob, "deploy");
        var loggedOut = await host.LoginAsync("alice@example.com", "alice-old-phone");
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: loggedOut)).StatusCode);
        var (rotatedId, rotated) = await host.CreateMachineUserAsync(bob, "reports");
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{rotatedId}/token", credential: bob)).StatusCode);
        var live = new[] { alice, aliceLaptop, machine };
        var batch = random.Take(995).Concat(live.Select(c => c.Token)).Concat([loggedOut.Token, rotated.Token]).OrderBy(_ => Random.Shared.Next()).ToList();

        host.Logs.Clear();
        var clock = Stopwatch.StartNew();
        var forBatch = await ReportAsync(host, batch);
        output.WriteLine($"1,000 reports (3 live, 2 ended, 995 random) answered in {clock.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(forRandom, forBatch);
        Assert.Equal("{\"received\":1000}", forBatch);
        // Note: one lookup for each of the five well-formed tokens; none for the 995 random strings.
        Assert.Equal(5, Commands(host).Count(c => c.Contains("@keyId", StringComparison.Ordinal) || c.Contains("@login", StringComparison.Ordinal)));
        foreach (var credential in live)
        {
            await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: credential), "leaked");
        }

        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: loggedOut), "logged_out");
        var bobAgain = await host.LoginAsync("bob@example.com", "owner-app-0002");
        var machines = await host.GetJsonAsync("/v1/machine-users", bobAgain);
        Assert.Contains(machines.EnumerateArray(), m => m.GetProperty("userId").GetGuid() == machineId);
        var leaked = Assert.Single(await host.AuditAsync(bobAgain), e => e.GetProperty("event").GetString() == "credential.leaked");
        Assert.Equal("machine token revoked: reported leaked at https://github.com/acme/site/blob/main/.env by scanner", leaked.GetProperty("detail").GetString());
        var aliceAgain = await host.LoginAsync("alice@example.com", "alice-new-laptop");
        var aliceLog = (await host.AuditAsync(aliceAgain)).Where(e => e.GetProperty("event").GetString() == "credential.leaked").ToList();
        Assert.Equal(2, aliceLog.Count);
        Assert.All(aliceLog, e => Assert.Equal(aliceId, e.GetProperty("subjectUserId").GetGuid()));
        Assert.All(aliceLog, e => Assert.DoesNotContain("lk_", e.GetProperty("detail").GetString()!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AConfiguredReporterMustSignAndBadReportsAreProblems()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string Secret = "a shared secret of at least thirty-two characters";
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Leaks:AcceptUnsigned"] = "false",
            ["Latchkey:Leaks:Reporters:scanner:HmacSecret"] = Secret,
            ["Latchkey:Leaks:Reporters:github:PublicKeyPem"] = ecdsa.ExportSubjectPublicKeyInfoPem(),
        });
        var owner = await host.SignupAndLoginAsync();
        var body = JsonSerializer.Serialize(new[] { new { token = owner.Token, type = "latchkey_api_key", url = "https://example.com/x", source = "scanner" } });
        var bytes = Encoding.UTF8.GetBytes(body);

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(host, body, null, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(host, body, "scanner", "sha256=" + new string('0', 64))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(host, body, "nobody", "sha256=" + new string('0', 64))).StatusCode);
        var badEcdsa = Convert.ToBase64String(ecdsa.SignData(Encoding.UTF8.GetBytes(body + " "), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(host, body, "github", badEcdsa)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: owner)).StatusCode);

        var goodEcdsa = Convert.ToBase64String(ecdsa.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, body, "github", goodEcdsa)).StatusCode);
        var hmac = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), bytes));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, body, "scanner", hmac)).StatusCode);
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: owner), "leaked");

        var tooMany = JsonSerializer.Serialize(Enumerable.Range(0, 1001).Select(i => new { token = "x" }));
        await ProblemAssert.IsProblemAsync(await PostAsync(host, tooMany, "scanner", Sign(tooMany)), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await PostAsync(host, "{\"token\":\"x\"}", "scanner", Sign("{\"token\":\"x\"}")), HttpStatusCode.BadRequest);
        var huge = "[" + new string(' ', 1024 * 1024) + "]";
        await ProblemAssert.IsProblemAsync(await PostAsync(host, huge, "scanner", Sign(huge)), HttpStatusCode.RequestEntityTooLarge);

        string Sign(string text) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public async Task TheTenantsOwnersAreToldByEmailWhereTheLeakWasFoundButNeverTheToken()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var owner = await host.SignupAndLoginAsync("owner@example.com");
        await EmailTests.VerifyAsync(host, smtp, "owner@example.com", 1);
        var (_, machine) = await host.CreateMachineUserAsync(owner, "deploy-bot");

        await ReportAsync(host, [machine.Token]);

        var notice = (await smtp.WaitForAsync(2)).Last();
        Assert.Equal("owner@example.com", notice.To.Mailboxes.Single().Address);
        Assert.Contains("reported leaked", notice.Subject);
        Assert.Contains("https://github.com/acme/site/blob/main/.env", notice.TextBody);
        Assert.Contains("scanner", notice.TextBody);
        Assert.Contains("deploy-bot", notice.TextBody);
        using var raw = new MemoryStream();
        await notice.WriteToAsync(raw);
        Assert.DoesNotContain(machine.Token, Encoding.UTF8.GetString(raw.ToArray()));
        Assert.DoesNotContain(machine.Token[..20], Encoding.UTF8.GetString(raw.ToArray()));
    }

    private static async Task<string> ReportAsync(LatchkeyTestHost host, IEnumerable<string> tokens)
    {
        var response = await host.SendAsync(HttpMethod.Post, "/v1/leaks", tokens.Select(t => new
        {
            token = t, type = "latchkey_token", url = "https://github.com/acme/site/blob/main/.env", source = "scanner",
        }).ToList());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static Task<HttpResponseMessage> PostAsync(LatchkeyTestHost host, string body, string? reporter, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/leaks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (reporter is not null)
        {
            request.Headers.Add("X-Latchkey-Reporter", reporter);
        }

        if (signature is not null)
        {
            request.Headers.Add("X-Latchkey-Signature", signature);
        }

        return host.Client.SendAsync(request);
    }

    private static List<string> Commands(LatchkeyTestHost host) =>
        host.Logs.GetSnapshot().Where(r => r.Category == "Microsoft.EntityFrameworkCore.Database.Command"
            && r.Message.Contains("Executed DbCommand")).Select(r => r.Message).ToList();

    /// <summary>
    /// Strings as a scanner finds them: a third are Latchkey tokens of the right shape with one character changed (the
    /// checksum no longer matches), a third the right prefix with random characters, a third no token at all.
    /// </summary>
    private static string RandomString(int i)
    {
        const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";
        var (token, _) = Latchkey.Core.Credentials.TokenFormat.Create(
            i % 2 == 0 ? Latchkey.Core.Credentials.TokenKind.ApiKey : Latchkey.Core.Credentials.TokenKind.MachineToken,
            Latchkey.Core.Credentials.TokenFormat.NewPublicPart());
        var at = token.Length - 20;
        var typo = token[..at] + (token[at] == 'a' ? 'b' : 'a') + token[(at + 1)..];
        var body = new string(Enumerable.Range(0, token.Length - 7).Select(_ => Base32[Random.Shared.Next(Base32.Length)]).ToArray());
        return (i % 3) switch
        {
            0 => typo,
            1 => "lk_key_" + body,
            _ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(40)),
        };
    }
}
