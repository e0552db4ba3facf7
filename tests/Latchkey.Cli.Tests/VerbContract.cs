using System.Text.Json;
using Latchkey.Core.Services;

namespace Latchkey.Cli.Tests;

/// <summary>Every verb of the tool, run as an operator would, on a fresh database of each provider.</summary>
public abstract class VerbContract
{
    protected const string Password = "correct horse battery staple";
    protected const string OtherPassword = "another quite long passphrase 42";

    private protected abstract string Provider { get; }

    private protected async Task<CliDatabase> DatabaseAsync() => await CliDatabase.CreateAsync(Provider);

    private static async Task<Guid> CreateTenantAsync(CliDatabase db, string name = "Acme", string owner = "alice@example.com")
    {
        var created = await db.RunWithInputAsync(Password + "\n", "tenant", "create", name, "--owner", owner, "--password-stdin", "--json");
        Assert.True(created.ExitCode == 0, created.Error);
        return created.Json.GetProperty("tenantId").GetGuid();
    }

    private static async Task<JsonElement> AuditAsync(CliDatabase db, string tenant = "Acme")
    {
        var audit = await db.RunAsync("audit", "--tenant", tenant, "--limit", "200", "--json");
        Assert.Equal(0, audit.ExitCode);
        return audit.Json;
    }

    [Fact]
    public async Task OnAFreshDatabaseAVerbAppliesTheMigrationsFirstAndSaysSo()
    {
        await using var db = await CliDatabase.CreateEmptyAsync(Provider);

        var created = await db.RunWithInputAsync(Password + "\n", "tenant", "create", "Acme", "--owner", "alice@example.com", "--password-stdin", "--json");
        var list = await db.RunAsync("tenant", "list");

        Assert.Equal(0, created.ExitCode);
        Assert.Matches(@"^Applied \d+ migrations: \d{14}_Initial, ", created.Error);
        Assert.NotEqual(Guid.Empty, created.Json.GetProperty("tenantId").GetGuid());
        Assert.Equal(0, list.ExitCode);
        Assert.Equal("", list.Error);
        Assert.Contains("Acme", list.Out);
    }

    [Fact]
    public async Task MigrateIsSafeToRunAgain()
    {
        await using var db = await DatabaseAsync();

        var again = await db.RunAsync("migrate");

        Assert.Equal(0, again.ExitCode);
        Assert.Equal("Database schema up to date: no migration to apply.", again.Out.Trim());
    }

    [Fact]
    public async Task TenantPolicyIsShownSetWithinTheServersMaximaAndAudited()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);

        var set = await db.RunAsync("tenant", "policy", "Acme", "--idle-timeout", "1h", "--machine-token-scopes", "deploy read", "--json");
        var tooLong = await db.RunAsync("tenant", "policy", "Acme", "--session-lifetime", "400d");
        var shown = await db.RunAsync("tenant", "policy", "Acme");

        Assert.True(set.ExitCode == 0, set.Error);
        Assert.Equal(3600, set.Json.GetProperty("sessionIdleTimeoutSeconds").GetInt64());
        Assert.Equal(5, tooLong.ExitCode);
        Assert.Contains("sessionAbsoluteLifetimeSeconds must be 60 to 2592000", tooLong.Error);
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("3600s", shown.Out);
        Assert.Contains("deploy read", shown.Out);
        Assert.Contains("2592000s (the server's)", shown.Out);
        var entry = (await AuditAsync(db)).EnumerateArray().Single(e => e.GetProperty("event").GetString() == "tenant.policy_changed");
        Assert.Contains("sessionIdleTimeoutSeconds: server's -> 3600", entry.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task TenantCreatedByTheToolIsListedShownAndItsOwnerLogsIn()
    {
        await using var db = await DatabaseAsync();
        var tenantId = await CreateTenantAsync(db);

        var list = await db.RunAsync("tenant", "list");
        var show = await db.RunAsync("tenant", "show", "Acme", "--json");
        var login = await db.LoginAsync("alice@example.com", Password);

        Assert.Contains(tenantId.ToString(), list.Out);
        Assert.Contains("Acme", list.Out);
        Assert.Equal(1, show.Json.GetProperty("users").GetInt32());
        Assert.Equal(LoginOutcome.Succeeded, login.Outcome);
        var entry = (await AuditAsync(db)).EnumerateArray().Single(e => e.GetProperty("event").GetString() == "tenant.created");
        Assert.Equal(CliDatabase.Operator, entry.GetProperty("operator").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("actorUserId").ValueKind);
    }

    [Fact]
    public async Task PasswordIsNeverTakenFromAnArgument()
    {
        await using var db = await DatabaseAsync();

        var withArgument = await db.RunAsync("tenant", "create", "Acme", "--owner", "alice@example.com", "--password", Password);
        var withoutStdinFlag = await db.RunWithInputAsync(Password + "\n", "tenant", "create", "Acme", "--owner", "alice@example.com");

        Assert.Equal(ExitCodes.Usage, withArgument.ExitCode);
        Assert.Equal(ExitCodes.Usage, withoutStdinFlag.ExitCode);
        Assert.Contains("--password-stdin", withoutStdinFlag.Error);
        Assert.Empty((await db.RunAsync("tenant", "list", "--json")).Json.EnumerateArray());
    }

    [Fact]
    public async Task WeakPasswordIsRefusedWithTheInvalidCode()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);

        var weak = await db.RunWithInputAsync("password\n", "user", "create", "bob@example.com", "--tenant", "Acme", "--password-stdin");

        Assert.Equal(ExitCodes.Invalid, weak.ExitCode);
        Assert.StartsWith("error: password:", weak.Error);
    }

    [Fact]
    public async Task UserIsCreatedListedPromotedDisabledEnabledAndDeletedWithEveryChangeAudited()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);

        var created = await db.RunWithInputAsync(OtherPassword + "\n", "user", "create", "bob@example.com", "-t", "Acme", "--password-stdin", "--json");
        var promoted = await db.RunAsync("user", "set-role", "bob@example.com", "admin");
        var disabled = await db.RunAsync("user", "disable", "bob@example.com");
        var refused = await db.LoginAsync("bob@example.com", OtherPassword);
        var enabled = await db.RunAsync("user", "enable", "bob@example.com", "--json");
        var list = await db.RunAsync("user", "list", "--tenant", "Acme");
        var deleted = await db.RunAsync("user", "delete", "bob@example.com");
        var gone = await db.RunAsync("user", "disable", "bob@example.com");

        Assert.Equal(0, created.ExitCode);
        Assert.Equal("member", created.Json.GetProperty("role").GetString());
        Assert.Equal((0, "bob@example.com is now admin."), (promoted.ExitCode, promoted.Out.Trim()));
        Assert.Equal(0, disabled.ExitCode);
        Assert.Equal(LoginOutcome.Refused, refused.Outcome);
        Assert.False(enabled.Json.GetProperty("disabled").GetBoolean());
        Assert.Contains("bob@example.com", list.Out);
        Assert.Contains("admin", list.Out);
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
        var events = (await AuditAsync(db)).EnumerateArray()
            .Where(e => e.GetProperty("operator").GetString() == CliDatabase.Operator)
            .Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Equal(["tenant.created", "user.created", "user.role_changed", "user.disabled", "user.enabled", "user.deleted"], events);
    }

    [Fact]
    public async Task LastEnabledOwnerCannotBeDisabledDemotedOrDeleted()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);

        var disable = await db.RunAsync("user", "disable", "alice@example.com");
        var demote = await db.RunAsync("user", "set-role", "alice@example.com", "member");
        var delete = await db.RunAsync("user", "delete", "alice@example.com");

        Assert.All([disable, demote, delete], r => Assert.Equal(ExitCodes.Conflict, r.ExitCode));
        Assert.Contains("without an enabled owner", disable.Error);
        Assert.Equal(LoginOutcome.Succeeded, (await db.LoginAsync("alice@example.com", Password)).Outcome);
    }

    [Fact]
    public async Task LockedOutSoleOwnerLogsInAgainAfterUnlock()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        for (var i = 0; i < 3; i++)
        {
            await db.LoginAsync("alice@example.com", "wrong password");
            await Task.Delay(20);
        }

        var locked = await db.LoginAsync("alice@example.com", Password);
        var unlock = await db.RunAsync("user", "unlock", "alice@example.com");
        var after = await db.LoginAsync("alice@example.com", Password);

        Assert.Equal(LoginRefusal.Locked, locked.Refusal);
        Assert.Equal(0, unlock.ExitCode);
        Assert.Equal(LoginOutcome.Succeeded, after.Outcome);
    }

    [Fact]
    public async Task ResetPasswordEndsTheSessionsAndTheNewPasswordLogsIn()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await db.LoginAsync("alice@example.com", Password);

        var reset = await db.RunWithInputAsync(OtherPassword + "\n", "user", "reset-password", "alice@example.com", "--password-stdin");
        var sessions = await db.RunAsync("sessions", "list", "--user", "alice@example.com", "--json");

        Assert.Equal(0, reset.ExitCode);
        Assert.Empty(sessions.Json.EnumerateArray());
        Assert.Equal(LoginOutcome.Refused, (await db.LoginAsync("alice@example.com", Password)).Outcome);
        Assert.Equal(LoginOutcome.Succeeded, (await db.LoginAsync("alice@example.com", OtherPassword)).Outcome);
        Assert.Contains((await AuditAsync(db)).EnumerateArray(), e => e.GetProperty("event").GetString() == "password.reset");
    }

    [Fact]
    public async Task MachineUserTokenIsPrintedOnceAndRotationReplacesIt()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);

        var created = await db.RunAsync("machine-user", "create", "ci", "--tenant", "Acme", "--scope", "deploy", "--scope", "read", "--json");
        var token = created.Json.GetProperty("token").GetString()!;
        var id = created.Json.GetProperty("id").GetString()!;
        var list = await db.RunAsync("machine-user", "list", "--tenant", "Acme");
        var rotated = await db.RunAsync("machine-user", "rotate", id, "--tenant", "Acme", "--json");
        var deleted = await db.RunAsync("machine-user", "delete", id, "--tenant", "Acme");
        var again = await db.RunAsync("machine-user", "delete", id, "--tenant", "Acme");

        Assert.StartsWith("lk_mach_", token);
        Assert.Contains("ci", list.Out);
        Assert.Contains("deploy read", list.Out);
        Assert.DoesNotContain(token, list.Out);
        Assert.NotEqual(token, rotated.Json.GetProperty("token").GetString());
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(ExitCodes.NotFound, again.ExitCode);
        var events = (await AuditAsync(db)).EnumerateArray().Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Contains("machine_user.created", events);
        Assert.Contains("machine_user.token_rotated", events);
        Assert.Contains("machine_user.deleted", events);
    }

    [Fact]
    public async Task MachineUserVerbsTakeANameOrLoginAsWellAsAnIdAndTablesShowLogins()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await db.LoginAsync("alice@example.com", Password, "app-alice-1");
        var ci = (await db.RunAsync("machine-user", "create", "ci", "-t", "Acme", "--json")).Json;
        await db.RunAsync("machine-user", "create", "twin", "-t", "Acme");
        await db.RunAsync("machine-user", "create", "twin", "-t", "Acme");
        var login = ci.GetProperty("login").GetString()!;

        var byName = await db.RunAsync("machine-user", "rotate", "ci", "-t", "Acme", "--json");
        var list = await db.RunAsync("machine-user", "list", "-t", "Acme");
        var ambiguous = await db.RunAsync("machine-user", "rotate", "twin", "-t", "Acme");
        var unknown = await db.RunAsync("machine-user", "delete", "nobody", "-t", "Acme");
        var byLogin = await db.RunAsync("machine-user", "delete", login, "-t", "Acme");
        var sessions = await db.RunAsync("sessions", "list", "--tenant", "Acme");
        var audit = await db.RunAsync("audit", "-t", "Acme", "-n", "200");

        Assert.True(byName.ExitCode == 0, byName.Error);
        Assert.Equal(ci.GetProperty("id").GetGuid(), byName.Json.GetProperty("id").GetGuid());
        Assert.Contains(login, list.Out);
        Assert.Equal(ExitCodes.Usage, ambiguous.ExitCode);
        Assert.Contains("2 machine users are named \"twin\"", ambiguous.Error);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.True(byLogin.ExitCode == 0, byLogin.Error);
        Assert.StartsWith("Machine user ci (", byLogin.Out);
        Assert.Contains("alice@example.com", sessions.Out.Split('\n')[1]);
        Assert.Contains(audit.Out.Split('\n'), l => l.Contains("machine_user.created") && l.Contains("subject:twin"));
        Assert.Contains(audit.Out.Split('\n'), l => l.Contains("login.succeeded") && l.Contains("alice@example.com"));
    }

    [Fact]
    public async Task IntrospectionAcrossTenantsIsGrantedAndRevokedByTheOperatorOnlyAndAudited()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await db.RunAsync("machine-user", "create", "gateway", "-t", "Acme", "--scope", "reports:read");

        var granted = await db.RunAsync("machine-user", "grant-introspection", "gateway", "-t", "Acme", "--all-tenants", "--json");
        var narrowed = await db.RunAsync("machine-user", "revoke-introspection", "gateway", "-t", "Acme", "--all-tenants", "--json");
        var withdrawn = await db.RunAsync("machine-user", "revoke-introspection", "gateway", "-t", "Acme", "--json");

        Assert.True(granted.ExitCode == 0, granted.Error);
        Assert.Equal(["reports:read", "latchkey:introspect", MachineUserService.AllTenantsIntrospectionScope],
            granted.Json.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["reports:read", "latchkey:introspect"], narrowed.Json.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["reports:read"], withdrawn.Json.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
        var entries = (await AuditAsync(db)).EnumerateArray().Where(e => e.GetProperty("event").GetString()!.StartsWith("machine_user.introspection_")).ToList();
        Assert.Equal(["machine_user.introspection_granted", "machine_user.introspection_revoked", "machine_user.introspection_revoked"],
            entries.Select(e => e.GetProperty("event").GetString()));
        Assert.All(entries, e => Assert.Equal(CliDatabase.Operator, e.GetProperty("operator").GetString()));
        Assert.Contains(MachineUserService.AllTenantsIntrospectionScope, entries[0].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task SetLimitGivesAMachineUserItsOwnRateLimitAndClearLimitTakesItAwayBothAudited()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await db.RunAsync("machine-user", "create", "gateway", "-t", "Acme");

        var set = await db.RunAsync("machine-user", "set-limit", "gateway", "-t", "Acme", "--permits", "500", "--window", "5m", "--json");
        var said = await db.RunAsync("machine-user", "set-limit", "gateway", "-t", "Acme", "--permits", "1000", "--window", "60s");
        var badWindow = await db.RunAsync("machine-user", "set-limit", "gateway", "-t", "Acme", "--permits", "500", "--window", "soon");
        var tooMany = await db.RunAsync("machine-user", "set-limit", "gateway", "-t", "Acme", "--permits", "0");
        var unknown = await db.RunAsync("machine-user", "set-limit", "nobody", "-t", "Acme", "--permits", "5");
        var cleared = await db.RunAsync("machine-user", "clear-limit", "gateway", "-t", "Acme", "--json");

        Assert.True(set.ExitCode == 0, set.Error);
        Assert.Equal(500, set.Json.GetProperty("permits").GetInt32());
        Assert.Equal(300, set.Json.GetProperty("windowSeconds").GetInt32());
        Assert.Contains("may make 1000 requests per 60 s", said.Out);
        Assert.Equal(ExitCodes.Invalid, badWindow.ExitCode);
        Assert.Contains("--window", badWindow.Error);
        Assert.Equal(ExitCodes.Invalid, tooMany.ExitCode);
        Assert.Contains("--permits", tooMany.Error);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.True(cleared.ExitCode == 0, cleared.Error);
        var entries = (await AuditAsync(db)).EnumerateArray().Where(e => e.GetProperty("event").GetString()!.StartsWith("machine_user.rate_limit_")).ToList();
        Assert.Equal(["machine_user.rate_limit_set", "machine_user.rate_limit_set", "machine_user.rate_limit_cleared"],
            entries.Select(e => e.GetProperty("event").GetString()));
        Assert.All(entries, e => Assert.Equal(CliDatabase.Operator, e.GetProperty("operator").GetString()));
        Assert.Equal("gateway: 500 per 300 s", entries[0].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task JwtRotateNowIsAuditedInEveryTenantsLogWithTheOperator()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await CreateTenantAsync(db, "Globex", "carol@example.com");

        var rotated = await db.RunAsync("jwt", "rotate-now", "--json");

        Assert.True(rotated.ExitCode == 0, rotated.Error);
        var kid = rotated.Json.GetProperty("kid").GetString()!;
        foreach (var tenant in new[] { "Acme", "Globex" })
        {
            var entry = Assert.Single((await AuditAsync(db, tenant)).EnumerateArray(), e => e.GetProperty("event").GetString() == "jwt.key_rotated");
            Assert.Equal(CliDatabase.Operator, entry.GetProperty("operator").GetString());
            Assert.Contains(kid, entry.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task SessionsAreListedAndRevokedByUserByTenantAndAll()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await CreateTenantAsync(db, "Globex", "carol@example.com");
        await db.RunWithInputAsync(OtherPassword + "\n", "user", "create", "bob@example.com", "-t", "Acme", "--password-stdin");
        await db.LoginAsync("alice@example.com", Password, "app-alice-1");
        await db.LoginAsync("alice@example.com", Password, "app-alice-2");
        await db.LoginAsync("bob@example.com", OtherPassword, "app-bob-1");
        await db.LoginAsync("carol@example.com", Password, "app-carol-1");

        var ofAlice = await db.RunAsync("sessions", "list", "--user", "alice@example.com", "--json");
        var ofAcme = await db.RunAsync("sessions", "list", "--tenant", "Acme", "--json");
        var all = await db.RunAsync("sessions", "list", "--all");
        var revokeAlice = await db.RunAsync("sessions", "revoke", "--user", "alice@example.com", "--json");
        var revokeAcme = await db.RunAsync("sessions", "revoke", "--tenant", "Acme", "--json");
        var revokeAll = await db.RunAsync("sessions", "revoke", "--all", "--json");
        var none = await db.RunAsync("sessions", "list", "--all", "--json");
        var unsaid = await db.RunAsync("sessions", "revoke");

        Assert.Equal(2, ofAlice.Json.GetArrayLength());
        Assert.Equal(3, ofAcme.Json.GetArrayLength());
        Assert.Contains("app-carol-1", all.Out);
        Assert.Equal(2, revokeAlice.Json.GetProperty("ended").GetInt32());
        Assert.Equal(1, revokeAcme.Json.GetProperty("ended").GetInt32());
        Assert.Equal(1, revokeAll.Json.GetProperty("ended").GetInt32());
        Assert.Empty(none.Json.EnumerateArray());
        Assert.Equal(ExitCodes.Usage, unsaid.ExitCode);
        Assert.Contains((await AuditAsync(db, "Globex")).EnumerateArray(), e => e.GetProperty("event").GetString() == "session.revoked"
            && e.GetProperty("operator").GetString() == CliDatabase.Operator);
    }

    [Fact]
    public async Task PurgeExpiredDeletesSessionsPastTheirIdleTimeout()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await db.LoginAsync("alice@example.com", Password);

        // Note: the purge runs with an idle timeout that the session, opened before it, has already passed.
        var purged = await db.RunWithAsync("", new Dictionary<string, string?> { ["Latchkey__Sessions__IdleTimeout"] = "00:00:00.001" },
            "purge-expired", "--json");

        Assert.Equal(0, purged.ExitCode);
        Assert.Equal(1, purged.Json.GetProperty("sessions").GetInt32());
    }

    [Fact]
    public async Task AuditPrintsTheLatestEntriesOldestFirst()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        await db.RunWithInputAsync(OtherPassword + "\n", "user", "create", "bob@example.com", "-t", "Acme", "--password-stdin");

        var tail = await db.RunAsync("audit", "--tenant", "Acme", "-n", "2");

        var lines = tail.Out.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains("tenant.created", lines[0]);
        Assert.Contains("user.created", lines[1]);
        Assert.Contains(CliDatabase.Operator, lines[1]);
    }

    [Fact]
    public async Task ImportTakesForeignHashesAndEachLogsInWithItsOriginalPassword()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        var rows = new[]
        {
            ("identity3@example.com", ForeignHashes.AspNetIdentityV3(Password)),
            ("bcrypt@example.com", (await ForeignHashes.BcryptAsync([Password]))[0]),
            ("argon2@example.com", await ForeignHashes.Argon2Async(Password, parallelism: 2)),
            ("django@example.com", (await ForeignHashes.DjangoAsync([Password]))[0]),
        };
        var file = Path.Combine(db.Directory, "users.jsonl");
        await File.WriteAllLinesAsync(file, rows.Select(r => JsonSerializer.Serialize(new { login = r.Item1, passwordHash = r.Item2 })));

        var import = await db.RunAsync("import", file, "--tenant", "Acme");

        Assert.True(import.ExitCode == 0, import.Out + import.Error);
        Assert.Contains("Imported 4 user(s)", import.Out);
        foreach (var (login, _) in rows)
        {
            Assert.Equal(LoginOutcome.Succeeded, (await db.LoginAsync(login, Password)).Outcome);
            Assert.StartsWith("$argon2id$", await ForeignHashes.StoredVerifierAsync(db, login));
        }
    }

    [Fact]
    public async Task InviteQueuesAnInvitationForTheServerToSendAndKeepsTheRoleRules()
    {
        await using var db = await DatabaseAsync();
        await db.RunWithInputAsync(Password + "\n", "tenant", "create", "Acme", "--owner", "alice@example.com", "--password-stdin");

        var invited = await db.RunAsync("user", "invite", "bob@example.com", "--tenant", "Acme", "--role", "admin", "--json");
        var bad = await db.RunAsync("user", "invite", "Bob <bob@example.com>", "--tenant", "Acme");

        Assert.True(invited.ExitCode == 0, invited.Error);
        Assert.Contains("bob@example.com", invited.Out);
        Assert.Contains("expiresAt", invited.Out);
        Assert.Equal(ExitCodes.Invalid, bad.ExitCode);
    }

    [Fact]
    public async Task HelpIsShownForEveryVerb()
    {
        await using var db = await DatabaseAsync();
        string[][] verbs =
        [
            [], ["migrate"], ["tenant"], ["tenant", "create"], ["tenant", "list"], ["tenant", "show"], ["user"], ["user", "create"],
            ["user", "list"], ["user", "disable"], ["user", "enable"], ["user", "unlock"], ["user", "delete"], ["user", "set-role"],
            ["user", "reset-password"], ["user", "reset-mfa"], ["user", "invite"], ["machine-user", "create"], ["machine-user", "list"], ["machine-user", "rotate"],
            ["machine-user", "delete"], ["sessions", "list"], ["sessions", "revoke"], ["purge-expired"], ["audit"], ["import"],
            ["machine-user", "grant-introspection"], ["machine-user", "revoke-introspection"], ["jwt", "rotate-now"],
            ["machine-user", "set-limit"], ["machine-user", "clear-limit"],
        ];

        foreach (var verb in verbs)
        {
            var help = await db.RunAsync([.. verb, "--help"]);
            Assert.True(help.ExitCode == 0, string.Join(' ', verb) + ": " + help.Error);
            Assert.Contains("Usage:", help.Out);
        }
    }

    [Fact]
    public async Task TheToolReadsTheServersEnvironmentSettingsAndAConfigFileGivenToIt()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        var elsewhere = Path.Combine(db.Directory, "missing", "latchkey.db");
        var noConnection = new Dictionary<string, string?> { ["ConnectionStrings__Latchkey"] = null, ["DOTNET_ENVIRONMENT"] = "Staging" };
        await File.WriteAllTextAsync(Path.Combine(db.Directory, "appsettings.json"), Connection($"Data Source={elsewhere}"));
        await File.WriteAllTextAsync(Path.Combine(db.Directory, "appsettings.Staging.json"), Connection(db.ConnectionString));
        Directory.CreateDirectory(Path.Combine(db.Directory, "server"));
        await File.WriteAllTextAsync(Path.Combine(db.Directory, "server", "settings.json"), Connection($"Data Source={elsewhere}"));
        await File.WriteAllTextAsync(Path.Combine(db.Directory, "server", "settings.Staging.json"), Connection(db.ConnectionString));

        var fromEnvironmentFile = await db.RunWithAsync("", noConnection, "tenant", "list", "--json");
        File.Delete(Path.Combine(db.Directory, "appsettings.Staging.json"));
        var fromConfigFile = await db.RunWithAsync("", noConnection, "tenant", "list", "--json", "--config", "server/settings.json");
        var missingConfigFile = await db.RunWithAsync("", noConnection, "tenant", "list", "--config", "server/none.json");

        Assert.True(fromEnvironmentFile.ExitCode == 0, fromEnvironmentFile.Error);
        Assert.Equal("Acme", fromEnvironmentFile.Json[0].GetProperty("name").GetString());
        Assert.True(fromConfigFile.ExitCode == 0, fromConfigFile.Error);
        Assert.Equal("Acme", fromConfigFile.Json[0].GetProperty("name").GetString());
        Assert.Equal(ExitCodes.NotFound, missingConfigFile.ExitCode);
        Assert.False(File.Exists(elsewhere));
    }

    [Fact]
    public async Task AConnectionStringIsReadFromStandardInputAndOneWithAPasswordNeverFromAnArgument()
    {
        await using var db = await DatabaseAsync();
        await CreateTenantAsync(db);
        var noConnection = new Dictionary<string, string?> { ["ConnectionStrings__Latchkey"] = null };

        var fromInput = await db.RunWithAsync(db.ConnectionString + "\n", noConnection, "tenant", "list", "--json", "--connection-stdin");
        var withPassword = await db.RunWithAsync("", noConnection, "tenant", "list", "--connection", "Host=db.example;Password=hunter2-secret");
        var createdWithBoth = await db.RunWithAsync(db.ConnectionString + "\n" + Password + "\n", noConnection,
            "user", "create", "bob@example.com", "-t", "Acme", "--connection-stdin", "--password-stdin");

        Assert.True(fromInput.ExitCode == 0, fromInput.Error);
        Assert.Equal("Acme", fromInput.Json[0].GetProperty("name").GetString());
        Assert.Equal(ExitCodes.Usage, withPassword.ExitCode);
        Assert.Contains("ConnectionStrings__Latchkey", withPassword.Error);
        Assert.DoesNotContain("hunter2-secret", withPassword.Error + withPassword.Out);
        Assert.True(createdWithBoth.ExitCode == 0, createdWithBoth.Error);
        Assert.Equal(LoginOutcome.Succeeded, (await db.LoginAsync("bob@example.com", Password)).Outcome);
    }

    [Fact]
    public async Task SessionsRevokeReportsTheEndedSessionsOnlyOnceNoServerAcceptsThem()
    {
        await using var db = await DatabaseAsync();
        var created = await db.RunWithInputAsync(Password + "\n", "tenant", "create", "Acme", "--owner", "alice@example.com", "--password-stdin", "--json");
        var (tenantId, userId) = (created.Json.GetProperty("tenantId").GetGuid(), created.Json.GetProperty("ownerUserId").GetGuid());
        await db.LoginAsync("alice@example.com", Password);
        var lease = new Dictionary<string, string?> { ["Latchkey__CredentialCache__Lease"] = "00:00:03" };
        await using var server = await StalledServer.StartAsync(db, lease, tenantId, userId);

        var output = new ReportWriter(server);
        var revoked = await db.RunWithAsync("", lease, output, new StringWriter(), CancellationToken.None,
            "sessions", "revoke", "--user", "alice@example.com");

        Assert.True(revoked.ExitCode == 0, revoked.Error);
        Assert.Contains("1 session(s) ended.", revoked.Out);
        Assert.False(output.ServerAcceptedWhenReported);
    }

    private static string Connection(string connectionString) =>
        JsonSerializer.Serialize(new { ConnectionStrings = new { Latchkey = connectionString } });

    /// <summary>Records whether the server still accepted the revoked key when the tool reported.</summary>
    private sealed class ReportWriter(StalledServer server) : StringWriter
    {
        public bool ServerAcceptedWhenReported { get; private set; }

        public override void WriteLine(string? value)
        {
            ServerAcceptedWhenReported |= server.WouldAccept();
            base.WriteLine(value);
        }
    }

    [Fact]
    public async Task UnknownVerbAndUnknownUserHaveTheirExitCodes()
    {
        await using var db = await DatabaseAsync();

        var unknownVerb = await db.RunAsync("frobnicate");
        var unknownUser = await db.RunAsync("user", "unlock", "nobody@example.com");
        var unknownTenant = await db.RunAsync("user", "list", "--tenant", "Nowhere");

        Assert.Equal(ExitCodes.Usage, unknownVerb.ExitCode);
        Assert.Equal(ExitCodes.NotFound, unknownUser.ExitCode);
        Assert.Equal(ExitCodes.NotFound, unknownTenant.ExitCode);
    }
}

public sealed class SqliteVerbTests : VerbContract
{
    private protected override string Provider => "sqlite";
}

public sealed class PostgresVerbTests : VerbContract
{
    private protected override string Provider => "postgres";
}
