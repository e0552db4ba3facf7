using System.Text;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Tests;

/// <summary>
/// A large import of users whose hashes other systems made (made here by those systems' own code), on a SQLite file:
/// it completes with progress, reports its rejected rows by line, re-runs idempotently, and every format's users log
/// in with their original passwords, after which their stored hash is Latchkey's Argon2id.
/// </summary>
public sealed class ImportTests
{
    private const int Rows = 10_000;

    [Fact]
    public async Task TenThousandRowsWithMixedForeignHashesImportAndEachFormatLogsIn()
    {
        await using var db = await CliDatabase.CreateAsync("sqlite");
        var created = await db.RunWithInputAsync("correct horse battery staple\n", "tenant", "create", "Acme", "--owner", "owner@example.com", "--password-stdin");
        Assert.Equal(0, created.ExitCode);

        // Note: a pool of hashes per format, each of its own password, shared by many users: hashing 10,000 times with
        // the original tools would be slow, and a hash does not depend on whose it is.
        var pool = await PoolAsync();
        var csv = new StringBuilder("login,password_hash,role\n");
        var expected = new List<(string Login, string Password, string Format)>();
        for (var i = 0; i < Rows; i++)
        {
            var (format, password, hash) = pool[i % pool.Count];
            var login = $"user{i:D5}@example.com";
            csv.Append(login).Append(",\"").Append(hash).Append("\",").Append(i % 50 == 0 ? "admin" : "member").Append('\n');
            expected.Add((login, password, format));
        }

        // Note: three bad rows after the header and 10,000 good ones: lines 10002 to 10004.
        csv.Append("broken@example.com,$2b$10$short,member\n");
        csv.Append(",pbkdf2_sha256$1000$salt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,member\n");
        csv.Append("user00001@example.com,\"").Append(pool[1].Hash).Append("\",member\n");
        var file = Path.Combine(db.Directory, "users.csv");
        await File.WriteAllTextAsync(file, csv.ToString());

        var first = await db.RunAsync("import", file, "--tenant", "Acme", "--batch-size", "1000");
        var again = await db.RunAsync("import", file, "--tenant", "Acme", "--json");

        Assert.True(first.ExitCode == ExitCodes.PartlyDone, first.Out + first.Error);
        Assert.Contains($"Imported {Rows:N0} user(s), skipped 0 whose login exists already, rejected 3.", first.Out);
        Assert.Contains("users.csv:10002: malformed bcrypt hash", first.Out);
        Assert.Contains("users.csv:10003: a login of 1 to", first.Out);
        Assert.Contains("users.csv:10004: login repeated (first on line 3)", first.Out);
        Assert.Contains("rows/s", first.Error);
        Assert.Contains("ETA", first.Error);
        Assert.Contains($"{Rows + 3:N0}/{Rows + 3:N0} rows", first.Error);
        Assert.Equal(0, again.Json.GetProperty("imported").GetInt32());
        Assert.Equal(Rows, again.Json.GetProperty("skipped").GetInt32());

        foreach (var sample in expected.GroupBy(e => e.Format).Select(g => g.First()))
        {
            var login = await db.LoginAsync(sample.Login, sample.Password);
            Assert.True(login.Outcome == LoginOutcome.Succeeded, $"{sample.Format}: {login.Outcome} {login.Refusal}");
            Assert.StartsWith("$argon2id$", await ForeignHashes.StoredVerifierAsync(db, sample.Login));
            await AssertCredentialVersionKeptAsync(db, sample.Login, login.Session!.Id);
            Assert.Equal(LoginOutcome.Succeeded, (await db.LoginAsync(sample.Login, sample.Password, "tests-app-2")).Outcome);
            Assert.Equal(LoginOutcome.Refused, (await db.LoginAsync(sample.Login, "not the password at all")).Outcome);
        }

        Assert.Equal(8, expected.Select(e => e.Format).Distinct().Count());
    }

    [Fact]
    public async Task ImportRefusesEachRowWhoseHashCostsMoreThanTheCapsWithItsLineNumber()
    {
        await using var db = await CliDatabase.CreateAsync("sqlite");
        Assert.Equal(0, (await db.RunWithInputAsync("correct horse battery staple\n", "tenant", "create", "Acme", "--owner", "owner@example.com", "--password-stdin")).ExitCode);
        const string salt = "MDEyMzQ1Njc4OWFiY2RlZg", hash = "FTtG4tV2zYvAAtMhKzyqPUd/BhUm/7rIvUhBvk5vs/4";
        var identity = new byte[13 + 16 + 40];
        identity[0] = 0x01;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(identity.AsSpan(5), 1_000_001);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(identity.AsSpan(9), 16);
        var file = Path.Combine(db.Directory, "costly.csv");
        await File.WriteAllLinesAsync(file,
        [
            "login,password_hash",
            $"fine@example.com,{ForeignHashes.AspNetIdentityV3("the password of the old system")}",
            "bcrypt@example.com,$2b$15$4s0hGNNcKOrYjdy3aCZMe.JA0nCugydqajdbUUQvQya7HOCdrEGtC",
            $"memory@example.com,\"$argon2id$v=19$m=262145,t=1,p=1${salt}${hash}\"",
            $"passes@example.com,\"$argon2id$v=19$m=64,t=11,p=1${salt}${hash}\"",
            $"lanes@example.com,\"$argon2id$v=19$m=72,t=1,p=9${salt}${hash}\"",
            $"identity@example.com,{Convert.ToBase64String(identity)}",
            "django@example.com,pbkdf2_sha256$2000001$abcdefghijklmnopqrstuv$+vAS/ZWDi522LRhn+1B1oBKyXi3S1Lgm/isjkBCvi+k=",
        ]);

        var run = await db.RunAsync("import", file, "--tenant", "Acme");

        Assert.True(run.ExitCode == ExitCodes.PartlyDone, run.Out + run.Error);
        Assert.Contains("Imported 1 user(s), skipped 0 whose login exists already, rejected 6.", run.Out);
        Assert.Contains("costly.csv:3: bcrypt cost 15 above the import limit (14)", run.Out);
        foreach (var line in new[] { 4, 5, 6 })
        {
            Assert.Contains($"costly.csv:{line}: Argon2 parameters above the import limits (m ≤ 262144 KiB, t ≤ 10, p ≤ 8)", run.Out);
        }

        Assert.Contains("costly.csv:7: PBKDF2 cost above the import limit (iterations × output blocks ≤ 2000000)", run.Out);
        Assert.Contains("costly.csv:8: PBKDF2 cost above the import limit (iterations × output blocks ≤ 2000000)", run.Out);
    }

    [Fact]
    public async Task ImportStoppedMidwayLeavesWholeBatchesAndARerunImportsTheRest()
    {
        await using var db = await CliDatabase.CreateAsync("sqlite");
        await db.RunWithInputAsync("correct horse battery staple\n", "tenant", "create", "Acme", "--owner", "owner@example.com", "--password-stdin");
        var hash = ForeignHashes.AspNetIdentityV2("a password of the old system");
        var file = Path.Combine(db.Directory, "users.csv");
        await File.WriteAllLinesAsync(file, ["login,password_hash", .. Enumerable.Range(0, 1000).Select(i => $"user{i:D4}@example.com,{hash}")]);

        // Note: the operator presses Ctrl+C as the first progress line appears, i.e. right after the first batch.
        using var stop = new CancellationTokenSource();
        var error = new StopOnProgress(stop);
        try
        {
            await db.RunWithAsync("", null, error, stop.Token, "import", file, "--tenant", "Acme", "--batch-size", "100");
        }
        catch (OperationCanceledException)
        {
        }

        var imported = (await db.RunAsync("user", "list", "--tenant", "Acme", "--json")).Json.GetArrayLength() - 1;
        var rerun = await db.RunAsync("import", file, "--tenant", "Acme", "--json");

        Assert.True(stop.IsCancellationRequested);
        Assert.InRange(imported, 100, 900);
        Assert.Equal(0, imported % 100);
        Assert.Equal(imported, rerun.Json.GetProperty("skipped").GetInt32());
        Assert.Equal(1000 - imported, rerun.Json.GetProperty("imported").GetInt32());
    }

    private sealed class StopOnProgress(CancellationTokenSource stop) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains("rows/s", StringComparison.Ordinal) == true)
            {
                stop.Cancel();
            }
        }
    }

    private static async Task<List<(string Format, string Password, string Hash)>> PoolAsync()
    {
        var passwords = Enumerable.Range(0, 4).Select(i => $"original password {i} of the old system").ToArray();
        var pool = new List<(string, string, string)>();
        var bcrypt = await ForeignHashes.BcryptAsync(passwords);
        var django = await ForeignHashes.DjangoAsync(passwords);
        for (var i = 0; i < passwords.Length; i++)
        {
            pool.Add(("identity-v3", passwords[i], ForeignHashes.AspNetIdentityV3(passwords[i])));
            pool.Add(("identity-v2", passwords[i], ForeignHashes.AspNetIdentityV2(passwords[i])));
            pool.Add(("bcrypt-2y", passwords[i], bcrypt[i]));
            pool.Add(("bcrypt-2b", passwords[i], "$2b$" + bcrypt[i][4..]));
            pool.Add(("argon2id-p2", passwords[i], await ForeignHashes.Argon2Async(passwords[i], parallelism: 2)));
            pool.Add(("argon2id-p4", passwords[i], await ForeignHashes.Argon2Async(passwords[i], parallelism: 4)));
            pool.Add(("argon2i-p1", passwords[i], await ForeignHashes.Argon2Async(passwords[i], parallelism: 1, variant: "-i")));
            pool.Add(("django", passwords[i], django[i]));
        }

        return pool;
    }

    // Note: the upgrade rewrites the hash of the same password: the user's credential version does not move, so the
    // session the upgrading login opened (and every other) stays valid.
    private static async Task AssertCredentialVersionKeptAsync(CliDatabase db, string login, Guid sessionId)
    {
        await using var services = db.Services();
        var user = (await services.UnscopedAsync(sp => sp.GetRequiredService<IUserStore>().FindByLoginAsync(login, CancellationToken.None)))!;
        var sessions = await services.InTenantAsync(user.TenantId, (sp, _) => sp.GetRequiredService<ISessionStore>()
            .ListAsync(user.Id, sp.GetRequiredService<TimeProvider>().GetUtcNow(), TimeSpan.FromDays(7), PageRequest.First(), CancellationToken.None));
        Assert.Equal(0, user.CredentialVersion);
        Assert.Equal(user.CredentialVersion, sessions.Single(s => s.Id == sessionId).CredentialVersion);
    }
}
