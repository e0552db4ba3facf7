using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// The request path's one read on a cache miss, on PostgreSQL without EF Core: the lookup pool's connections
/// (<see cref="PostgresRequestPath"/>) and a prepared statement for the misses waiting at that moment
/// (<see cref="PostgresLookupBatches{TRow}"/>). Npgsql keeps a statement prepared on its physical connection, so preparing
/// again is a lookup in memory: after the first use on a connection, a read is one round trip that sends only the
/// statement's name and the keys.
/// </summary>
internal sealed partial class PostgresCredentialLookup : ICredentialLookup
{
    // Note: the statements name every column they read, in the order the readers below take them, the key first.
    internal const string SessionSql = """
        SELECT s.key_id, s.id, s.app_id, s.key_digest, s.last_used_at, s.expires_at, s.created_at, s.amr, s.auth_time,
               s.enrolment_only, u.id, u.tenant_id, u.login, u.kind, u.role, u.scopes, u.disabled,
               s.credential_version <> u.credential_version, p.session_absolute_lifetime_seconds,
               p.session_idle_timeout_seconds, u.must_change_password
        FROM api_user_key AS s INNER JOIN users AS u ON u.id = s.user_id
             LEFT JOIN tenant_policy AS p ON p.tenant_id = s.tenant_id
        WHERE s.key_id = ANY($1)
        """;

    internal const string MachineUserSql = """
        SELECT login, id, tenant_id, role, scopes, disabled, secret_verifier, last_used_at, token_expires_at,
               previous_secret_verifier, previous_secret_since, previous_secret_until
        FROM users
        WHERE login = ANY($1) AND kind = 1
        """;

    private readonly ILogger<PostgresCredentialLookup> _logger;
    private readonly PostgresLookupBatches<SessionRow> _sessions;
    private readonly PostgresLookupBatches<MachineUserRow> _machineUsers;
    private long _reads;

    public PostgresCredentialLookup(PostgresRequestPath requestPath, ILogger<PostgresCredentialLookup> logger)
    {
        _logger = logger;
        _sessions = new(requestPath.Lookups, requestPath.LookupConnections, SessionSql, ReadSession);
        _machineUsers = new(requestPath.Lookups, requestPath.LookupConnections, MachineUserSql, ReadMachineUser);
    }

    /// <summary>Credentials read so far, one per key however many a statement reads.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Statements run so far (a diagnostic: tests see the batching with it).</summary>
    internal long Statements => _sessions.Statements + _machineUsers.Statements;

    public ValueTask<SessionRow?> FindSessionAsync(string keyId, CancellationToken cancellationToken)
    {
        Read(SessionSql);
        return new(_sessions.FindAsync(keyId, cancellationToken));
    }

    public ValueTask<MachineUserRow?> FindMachineUserAsync(string login, CancellationToken cancellationToken)
    {
        Read(MachineUserSql);
        return new(_machineUsers.FindAsync(login, cancellationToken));
    }

    private void Read(string sql)
    {
        Interlocked.Increment(ref _reads);
        LogRead(_logger, sql);
    }

    private static (string, SessionRow) ReadSession(NpgsqlDataReader reader) => (reader.GetString(0), new SessionRow(
        reader.GetGuid(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7),
        reader.GetFieldValue<DateTimeOffset>(8), reader.GetBoolean(9), reader.GetGuid(10), reader.GetGuid(11), reader.GetString(12),
        (UserKind)reader.GetInt32(13), (TenantRole)reader.GetInt32(14), reader.GetString(15), reader.GetBoolean(16), reader.GetBoolean(17),
        reader.IsDBNull(18) ? null : reader.GetInt64(18), reader.IsDBNull(19) ? null : reader.GetInt64(19), reader.GetBoolean(20)));

    private static (string, MachineUserRow) ReadMachineUser(NpgsqlDataReader reader)
    {
        var login = reader.GetString(0);
        return (login, new MachineUserRow(
            reader.GetGuid(1), reader.GetGuid(2), login, (TenantRole)reader.GetInt32(3), reader.GetString(4),
            reader.GetBoolean(5), reader.GetString(6), OptionalInstant(reader, 7), OptionalInstant(reader, 8),
            reader.IsDBNull(9) ? null : reader.GetString(9), OptionalInstant(reader, 10), OptionalInstant(reader, 11)));
    }

    // Note: the statement only, never its key; Debug, as EF Core logs its commands.
    [LoggerMessage(EventId = 1510, Level = LogLevel.Debug, Message = "Executed credential lookup: {Statement}")]
    private static partial void LogRead(ILogger logger, string statement);

    private static DateTimeOffset? OptionalInstant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
