using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

public sealed class MfaTests
{
    private const string Alice = "alice@example.com";

    [Fact]
    public async Task TotpEnrolmentConfirmationAndLoginWithACodeWorkEndToEnd()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);

        var started = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/totp", new { password = LatchkeyTestHost.Password }, session);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal("no-store", started.Headers.CacheControl?.ToString());
        var enrolment = await LatchkeyTestHost.ReadJsonAsync(started);
        var secret = enrolment.GetProperty("secret").GetString()!;
        Assert.Matches("^[A-Z2-7]{32}$", secret);
        Assert.Equal($"otpauth://totp/Latchkey:alice%40example.com?secret={secret}&issuer=Latchkey&algorithm=SHA1&digits=6&period=30",
            enrolment.GetProperty("otpauthUri").GetString());
        Assert.Contains("<svg", enrolment.GetProperty("qrSvg").GetString());

        // Note: nothing is active before confirmation: the password alone still opens a session.
        await host.LoginAsync(Alice, "app-instance-2");
        Assert.False((await host.GetJsonAsync("/v1/me/mfa", session)).GetProperty("totp").GetBoolean());

        var wrong = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/totp/confirm", new { code = "000000" }, session);
        await ProblemAssert.IsProblemAsync(wrong, HttpStatusCode.BadRequest);
        var confirmed = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/totp/confirm", new { code = SecondFactors.Code(host, secret) }, session);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var codes = SecondFactors.Strings((await LatchkeyTestHost.ReadJsonAsync(confirmed)).GetProperty("recoveryCodes"));
        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z2-7]{4}(-[a-z2-7]{4}){5}$", c));

        // Note: the right password now opens no session; it answers with the second step's token.
        host.Time.Advance(TimeSpan.FromSeconds(30));
        var sessionsBefore = (await host.GetJsonAsync("/v1/sessions", session)).GetArrayLength();
        var first = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = Alice, password = LatchkeyTestHost.Password, appId = "app-instance-3" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.DoesNotContain(first.Headers, h => h.Key == "Set-Cookie");
        var challenge = await LatchkeyTestHost.ReadJsonAsync(first);
        Assert.True(challenge.GetProperty("mfaRequired").GetBoolean());
        Assert.Equal(["totp", "recovery_code"], SecondFactors.Strings(challenge.GetProperty("methods")));
        Assert.Equal(host.Time.GetUtcNow().AddMinutes(5), challenge.GetProperty("expiresAt").GetDateTimeOffset());
        var mfaToken = challenge.GetProperty("mfaToken").GetString()!;
        Assert.True(mfaToken.Length >= 32);
        Assert.Equal(sessionsBefore, (await host.GetJsonAsync("/v1/sessions", session)).GetArrayLength());

        // Note: bound to the app instance of the first step.
        await ProblemAssert.IsProblemAsync(
            await SecondFactors.SecondStepAsync(host, mfaToken, "another-app-01", SecondFactors.Code(host, secret)), HttpStatusCode.Unauthorized);
        var second = await SecondFactors.SecondStepAsync(host, mfaToken, "app-instance-3", SecondFactors.Code(host, secret));
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(second);
        var mfaSession = new Credential(body.GetProperty("apiKey").GetString()!, "app-instance-3", body.GetProperty("sessionId").GetGuid());
        Assert.Equal("app-instance-3", body.GetProperty("appId").GetString());

        var me = await host.GetJsonAsync("/v1/me", mfaSession);
        Assert.Equal(["pwd", "otp"], SecondFactors.Strings(me.GetProperty("amr")));
        Assert.Equal(host.Time.GetUtcNow(), me.GetProperty("authTime").GetDateTimeOffset());
        var status = await host.GetJsonAsync("/v1/me/mfa", mfaSession);
        Assert.True(status.GetProperty("totp").GetBoolean());
        Assert.Equal(10, status.GetProperty("recoveryCodesLeft").GetInt32());
        var listed = (await host.GetJsonAsync("/v1/sessions", mfaSession)).EnumerateArray().Single(s => s.GetProperty("current").GetBoolean());
        Assert.Equal(["pwd", "otp"], SecondFactors.Strings(listed.GetProperty("amr")));
        Assert.Equal(["pwd"], SecondFactors.Strings((await host.GetJsonAsync("/v1/me", session)).GetProperty("amr")));

        // Note: single use: the token that opened the session opens no other.
        host.Time.Advance(TimeSpan.FromSeconds(30));
        await ProblemAssert.IsProblemAsync(
            await SecondFactors.SecondStepAsync(host, mfaToken, "app-instance-3", SecondFactors.Code(host, secret)), HttpStatusCode.Unauthorized);

        var audit = await host.AuditAsync(session);
        Assert.Contains(audit, e => e.GetProperty("event").GetString() == "mfa.totp_enrolled");
    }

    [Fact]
    public async Task ACodeIsAcceptedOneStepEitherSideOnceButNeverTwoStepsAway()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        var (secret, _) = await SecondFactors.EnrolAsync(host, session);
        host.Time.Advance(TimeSpan.FromMinutes(5));

        var token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        await ProblemAssert.IsProblemAsync(await SecondFactors.SecondStepAsync(host, token, "app-instance-2", SecondFactors.Code(host, secret, -60)), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await SecondFactors.SecondStepAsync(host, token, "app-instance-2", SecondFactors.Code(host, secret, 60)), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Created, (await SecondFactors.SecondStepAsync(host, token, "app-instance-2", SecondFactors.Code(host, secret, -30))).StatusCode);

        token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        Assert.Equal(HttpStatusCode.Created, (await SecondFactors.SecondStepAsync(host, token, "app-instance-2", SecondFactors.Code(host, secret, 30))).StatusCode);

        // Note: the current step is earlier than the one just accepted: a replay, refused though the code is right.
        token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        await ProblemAssert.IsProblemAsync(await SecondFactors.SecondStepAsync(host, token, "app-instance-2", SecondFactors.Code(host, secret)), HttpStatusCode.Unauthorized);
        host.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await SecondFactors.SecondStepAsync(host, token, "app-instance-2", SecondFactors.Code(host, secret))).StatusCode);
    }

    [Fact]
    public async Task ACodeAcceptedByOneInstanceIsRefusedByAnotherOnTheSameDatabase()
    {
        // Note: the instances share the key ring as a deployment must (docs/security.md); where it is kept is not
        // this test's business, so it is a directory here.
        var keys = Directory.CreateTempSubdirectory("latchkey-keys-");
        try
        {
            Action<IServiceCollection> sharedRing = s => s.AddDataProtection().PersistKeysToFileSystem(keys).SetApplicationName("latchkey-tests");
            await using var first = await LatchkeyTestHost.StartAsync(services: sharedRing);
            await using var second = await LatchkeyTestHost.StartAsync(services: sharedRing, sameDatabaseAs: first);
            var session = await first.SignupAndLoginAsync(Alice);
            var (secret, _) = await SecondFactors.EnrolAsync(first, session);
            second.Time.Advance(first.Time.GetUtcNow() - second.Time.GetUtcNow());

            var code = SecondFactors.Code(first, secret);
            var onFirst = await SecondFactors.MfaTokenAsync(first, Alice, "app-instance-1");
            var onSecond = await SecondFactors.MfaTokenAsync(second, Alice, "app-instance-2");
            Assert.Equal(HttpStatusCode.Created, (await SecondFactors.SecondStepAsync(first, onFirst, "app-instance-1", code)).StatusCode);
            await ProblemAssert.IsProblemAsync(await SecondFactors.SecondStepAsync(second, onSecond, "app-instance-2", code), HttpStatusCode.Unauthorized);

            // Note: the second instance reads the secret well: the next step's code works there.
            second.Time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.Created,
                (await SecondFactors.SecondStepAsync(second, onSecond, "app-instance-2", SecondFactors.Code(second, secret))).StatusCode);
        }
        finally
        {
            keys.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ARecoveryCodeOpensOneSessionAndNeverAnother()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        var (_, codes) = await SecondFactors.EnrolAsync(host, session);

        var token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        var used = await SecondFactors.SecondStepAsync(host, token, "app-instance-2", recoveryCode: codes[3].ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Created, used.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(used);
        var recovered = new Credential(body.GetProperty("apiKey").GetString()!, "app-instance-2", null);
        Assert.Equal(["pwd", "rec"], SecondFactors.Strings((await host.GetJsonAsync("/v1/me", recovered)).GetProperty("amr")));

        token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-3");
        await ProblemAssert.IsProblemAsync(await SecondFactors.SecondStepAsync(host, token, "app-instance-3", recoveryCode: codes[3]), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Created, (await SecondFactors.SecondStepAsync(host, token, "app-instance-3", recoveryCode: codes[4])).StatusCode);
        Assert.Contains(await host.AuditAsync(session), e => e.GetProperty("event").GetString() == "mfa.recovery_code_used");
    }

    [Fact]
    public async Task NewRecoveryCodesReplaceTheOldOnes()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        var (secret, old) = await SecondFactors.EnrolAsync(host, session);

        var replaced = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/recovery-codes", new { code = SecondFactors.Code(host, secret) }, session);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var fresh = SecondFactors.Strings((await LatchkeyTestHost.ReadJsonAsync(replaced)).GetProperty("recoveryCodes"));
        Assert.Equal(10, fresh.Count);
        Assert.Empty(fresh.Intersect(old));

        var token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        await ProblemAssert.IsProblemAsync(await SecondFactors.SecondStepAsync(host, token, "app-instance-2", recoveryCode: old[0]), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Created, (await SecondFactors.SecondStepAsync(host, token, "app-instance-2", recoveryCode: fresh[0])).StatusCode);
    }

    [Fact]
    public async Task SixWrongCodesKillTheMfaTokenButNotTheNextLogin()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        var (secret, _) = await SecondFactors.EnrolAsync(host, session);
        var token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        var right = SecondFactors.Code(host, secret);
        var wrong = right == "123456" ? "654321" : "123456";

        for (var i = 0; i < 6; i++)
        {
            await ProblemAssert.IsProblemAsync(await SecondFactors.SecondStepAsync(host, token, "app-instance-2", wrong), HttpStatusCode.Unauthorized);
        }

        // Note: past the throttle's delay, so that only the token's death can refuse the right code.
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await ProblemAssert.IsProblemAsync(
            await SecondFactors.SecondStepAsync(host, token, "app-instance-2", SecondFactors.Code(host, secret)), HttpStatusCode.Unauthorized);

        var fresh = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        Assert.Equal(HttpStatusCode.Created, (await SecondFactors.SecondStepAsync(host, fresh, "app-instance-2", SecondFactors.Code(host, secret))).StatusCode);
    }

    [Fact]
    public async Task WrongCodesAreCountedByTheLoginsThrottle()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        var (secret, _) = await SecondFactors.EnrolAsync(host, session);
        var right = SecondFactors.Code(host, secret);
        var wrong = right == "123456" ? "654321" : "123456";

        // Note: five wrong codes (one token's worth) use up the login's free attempts like five wrong passwords: the
        // next attempt at the login, even with the right password, must wait.
        var token = await SecondFactors.MfaTokenAsync(host, Alice, "app-instance-2");
        for (var i = 0; i < 5; i++)
        {
            await SecondFactors.SecondStepAsync(host, token, "app-instance-2", wrong);
        }

        var throttled = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = Alice, password = LatchkeyTestHost.Password, appId = "app-instance-2" });
        await ProblemAssert.IsProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.NotNull(throttled.Headers.RetryAfter);
    }

    [Fact]
    public async Task AWrongPasswordForAnAccountWithASecondFactorGetsTheSameBytesAsForOneWithout()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        await SecondFactors.EnrolAsync(host, session);
        await host.SignupAsync("bob@example.com", "Other");

        var withFactor = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = Alice, password = "not the right passphrase", appId = "app-instance-2" });
        var without = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "bob@example.com", password = "not the right passphrase", appId = "app-instance-2" });

        Assert.Equal(HttpStatusCode.Unauthorized, withFactor.StatusCode);
        Assert.Equal(Headers(without), Headers(withFactor));
        Assert.Equal(await BodyAsync(without), await BodyAsync(withFactor));

        static string Headers(HttpResponseMessage response) => string.Join("\n",
            response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Date")
                .OrderBy(h => h.Key).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));

        // Note: the problem's traceId names the request, so it differs between any two; every other byte must match.
        static async Task<string> BodyAsync(HttpResponseMessage response) =>
            Regex.Replace(Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()), "\"traceId\":\"[^\"]*\"", "\"traceId\":\"\"");
    }

    [Fact]
    public async Task RemovingTheAuthenticatorNeedsThePasswordAndACodeAndEndsTheSecondStep()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        var (secret, _) = await SecondFactors.EnrolAsync(host, session);

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Delete, "/v1/me/mfa/totp",
            new { password = "not the right passphrase", code = SecondFactors.Code(host, secret) }, session), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, "/v1/me/mfa/totp",
            new { password = LatchkeyTestHost.Password, code = SecondFactors.Code(host, secret) }, session)).StatusCode);

        await host.LoginAsync(Alice, "app-instance-2");
        Assert.Contains(await host.AuditAsync(session), e => e.GetProperty("event").GetString() == "mfa.totp_removed");
    }

    [Fact]
    public async Task OnlyAnOwnerResetsAPersonsSecondFactorsAndTheResetIsAudited()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@example.com");
        var memberId = await host.CreateUserAsync(owner, "member@example.com");
        await host.CreateUserAsync(owner, "admin@example.com", "admin");
        var member = await host.LoginAsync("member@example.com", "member-app-01");
        await SecondFactors.EnrolAsync(host, member);
        var admin = await host.LoginAsync("admin@example.com", "admin-app-001");

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Delete, $"/v1/users/{memberId}/mfa", credential: admin), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, $"/v1/users/{memberId}/mfa", credential: owner)).StatusCode);

        await host.LoginAsync("member@example.com", "member-app-02");
        var entry = Assert.Single(await host.AuditAsync(owner), e => e.GetProperty("event").GetString() == "mfa.reset");
        Assert.Equal(memberId, entry.GetProperty("subjectUserId").GetGuid());
    }

    [Fact]
    public async Task TheTotpSecretIsStoredEncrypted()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var session = await host.SignupAndLoginAsync(Alice);
        var (secret, codes) = await SecondFactors.EnrolAsync(host, session);
        await host.App.StopAsync();

        var stored = Encoding.UTF8.GetString(await host.ReadStoredBytesAsync());
        Assert.DoesNotContain(secret, stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(codes[0], stored, StringComparison.OrdinalIgnoreCase);
    }
}
