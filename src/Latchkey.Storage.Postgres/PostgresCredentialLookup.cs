using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// The request path's one read on a cache miss, on PostgreSQL without EF Core: a connection of the request path's lookup
/// pool (<see cref="PostgresRequestPath"/>) and a prepared statement. Npgsql keeps a statement prepared on its physical
/// connection across pooled opens, so preparing again is a lookup in memory: after the first use on a connection, the read is one
/// round trip that sends only the statement's name and the key.
/// </summary>
internal sealed partial class PostgresCredentialLookup(PostgresRequestPath requestPath, ILogger<PostgresCredentialLookup> logger) : ICredentialLookup
{
    // Note: the statements name every column they read, in the order the readers below take them.
    internal const string SessionSql = """
        SELECT s.id, s.app_id, s.key_digest, s.last_used_at, s.expires_at, s.created_at, s.amr, s.auth_time, s.enrolment_only,
               u.id, u.tenant_id, u.login, u.kind, u.role, u.scopes, u.disabled, s.credential_version <> u.credential_version,
               p.session_absolute_lifetime_seconds, p.session_idle_timeout_seconds, u.must_change_password
        FROM api_user_key AS s INNER JOIN users AS u ON u.id = s.user_id
             LEFT JOIN tenant_policy AS p ON p.tenant_id = s.tenant_id
        WHERE s.key_id = $1
        LIMIT 1
        """;

    internal const string MachineUserSql = """
        SELECT id, tenant_id, login, role, scopes, disabled, secret_verifier, last_used_at, token_expires_at,
               previous_secret_verifier, previous_secret_since, previous_secret_until
        FROM users
        WHERE login = $1 AND kind = 1
        LIMIT 1
        """;

    private long _reads;

    public long Reads => Interlocked.Read(ref _reads);

    public async ValueTask<SessionRow?> FindSessionAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var connection = await requestPath.Lookups.OpenConnectionAsync(cancellationToken);
        await using var command = await PrepareAsync(connection, SessionSql, keyId, cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SessionRow(
            reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6),
            reader.GetFieldValue<DateTimeOffset>(7), reader.GetBoolean(8), reader.GetGuid(9), reader.GetGuid(10), reader.GetString(11),
            (UserKind)reader.GetInt32(12), (TenantRole)reader.GetInt32(13), reader.GetString(14), reader.GetBoolean(15), reader.GetBoolean(16),
                reader.IsDBNull(17) ? null : reader.GetInt64(17), reader.IsDBNull(18) ? null : reader.GetInt64(18), reader.GetBoolean(19));
    }

    public async ValueTask<MachineUserRow?> FindMachineUserAsync(string login, CancellationToken cancellationToken)
    {
        await using var connection = await requestPath.Lookups.OpenConnectionAsync(cancellationToken);
        await using var command = await PrepareAsync(connection, MachineUserSql, login, cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new MachineUserRow(
            reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), (TenantRole)reader.GetInt32(3), reader.GetString(4),
            reader.GetBoolean(5), reader.GetString(6), OptionalInstant(reader, 7), OptionalInstant(reader, 8),
            reader.IsDBNull(9) ? null : reader.GetString(9), OptionalInstant(reader, 10), OptionalInstant(reader, 11));
    }

    private async Task<NpgsqlCommand> PrepareAsync(NpgsqlConnection connection, string sql, string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        LogRead(logger, sql);
        var command = new NpgsqlCommand(sql, connection);
        try
        {
            // Note: typed as the column is (varchar), so the prepared statement is the same whatever the key.
            command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Varchar, TypedValue = key });
            await command.PrepareAsync(cancellationToken);
            return command;
        }
        catch
        {
            await command.DisposeAsync();
            throw;
        }
    }

    // Note: the statement only, never its key; Debug, as EF Core logs its commands.
    [LoggerMessage(EventId = 1510, Level = LogLevel.Debug, Message = "Executed credential lookup: {Statement}")]
    private static partial void LogRead(ILogger logger, string statement);

    private static DateTimeOffset? OptionalInstant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
