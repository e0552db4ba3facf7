using System.Collections.Concurrent;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Latchkey.Storage.Sqlite;

/// <summary>
/// The request path's one read on a cache miss, on SQLite without EF Core: a few connections of its own, each with its
/// two statements prepared once (SQLite compiles a statement per connection), lent to one read at a time.
/// </summary>
/// <remarks>
/// Note: Microsoft.Data.Sqlite is synchronous underneath its async methods, so the read runs synchronously and the
/// answer is an already completed <see cref="ValueTask"/>: no state machine, no task. Instants are UTC ticks and ids
/// the text EF Core writes (SqliteLatchkeyDbContext).
/// </remarks>
internal sealed partial class SqliteCredentialLookup(string connectionString, int busyTimeoutSeconds, ILogger<SqliteCredentialLookup> logger)
    : ICredentialLookup, IDisposable
{
    // Note: the statements name every column they read, in the order the readers below take them.
    internal const string SessionSql = """
        SELECT s.id, s.app_id, s.key_digest, s.last_used_at, s.expires_at, s.created_at, s.amr, s.auth_time, s.enrolment_only,
               u.id, u.tenant_id, u.login, u.kind, u.role, u.scopes, u.disabled, s.credential_version <> u.credential_version,
               p.session_absolute_lifetime_seconds, p.session_idle_timeout_seconds, u.must_change_password
        FROM api_user_key AS s INNER JOIN users AS u ON u.id = s.user_id
             LEFT JOIN tenant_policy AS p ON p.tenant_id = s.tenant_id
        WHERE s.key_id = $key
        LIMIT 1
        """;

    internal const string MachineUserSql = """
        SELECT id, tenant_id, login, role, scopes, disabled, secret_verifier, last_used_at, token_expires_at,
               previous_secret_verifier, previous_secret_since, previous_secret_until
        FROM users
        WHERE login = $key AND kind = 1
        LIMIT 1
        """;

    private readonly ConcurrentBag<Lane> _idle = [];
    // Note: a connection string that turns pooling off (each use opens the file anew, as after a lost volume the process
    // must notice) keeps no lanes either.
    private readonly int _maxIdle = new SqliteConnectionStringBuilder(connectionString).Pooling ? Math.Max(2, Environment.ProcessorCount * 2) : 0;
    private long _reads;
    private volatile bool _disposed;

    public long Reads => Interlocked.Read(ref _reads);

    public ValueTask<SessionRow?> FindSessionAsync(string keyId, CancellationToken cancellationToken)
    {
        var lane = Rent();
        try
        {
            Interlocked.Increment(ref _reads);
            LogRead(logger, SessionSql);
            lane.SessionKey.Value = keyId;
            SessionRow? row;
            // Note: the reader is closed before the lane goes back: closed after, it resets the statement that another
            // request may already be running on that lane (seen as "API misuse" and a disposed sqlite3_stmt under
            // bench/cluster.sh's uncached SQLite run).
            using (var reader = lane.Session.ExecuteReader())
            {
                row = reader.Read() ? new SessionRow(
                    reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), Instant(reader.GetInt64(3)),
                    Instant(reader.GetInt64(4)), Instant(reader.GetInt64(5)), reader.GetString(6), Instant(reader.GetInt64(7)),
                    reader.GetBoolean(8), reader.GetGuid(9), reader.GetGuid(10), reader.GetString(11), (UserKind)reader.GetInt32(12),
                    (TenantRole)reader.GetInt32(13), reader.GetString(14), reader.GetBoolean(15), reader.GetBoolean(16),
                    reader.IsDBNull(17) ? null : reader.GetInt64(17), reader.IsDBNull(18) ? null : reader.GetInt64(18), reader.GetBoolean(19)) : null;
            }

            Return(lane);
            return new(row);
        }
        catch
        {
            lane.Dispose();
            throw;
        }
    }

    public ValueTask<MachineUserRow?> FindMachineUserAsync(string login, CancellationToken cancellationToken)
    {
        var lane = Rent();
        try
        {
            Interlocked.Increment(ref _reads);
            LogRead(logger, MachineUserSql);
            lane.MachineUserKey.Value = login;
            MachineUserRow? row;
            using (var reader = lane.MachineUser.ExecuteReader())
            {
                row = reader.Read() ? new MachineUserRow(
                    reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), (TenantRole)reader.GetInt32(3), reader.GetString(4),
                    reader.GetBoolean(5), reader.GetString(6), OptionalInstant(reader, 7), OptionalInstant(reader, 8),
                    reader.IsDBNull(9) ? null : reader.GetString(9), OptionalInstant(reader, 10), OptionalInstant(reader, 11)) : null;
            }

            Return(lane);
            return new(row);
        }
        catch
        {
            lane.Dispose();
            throw;
        }
    }

    // Note: the statement only, never its key; Debug, as EF Core logs its commands.
    [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "Executed credential lookup: {Statement}")]
    private static partial void LogRead(ILogger logger, string statement);

    private static DateTimeOffset Instant(long ticks) => new(ticks, TimeSpan.Zero);

    private static DateTimeOffset? OptionalInstant(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Instant(reader.GetInt64(ordinal));

    private Lane Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryTake(out var lane) ? lane : new Lane(connectionString, busyTimeoutSeconds);
    }

    private void Return(Lane lane)
    {
        // Note: beyond the bound (a burst of concurrent misses) a connection is closed rather than kept.
        if (_disposed || _idle.Count >= _maxIdle)
        {
            lane.Dispose();
            return;
        }

        _idle.Add(lane);
        if (_disposed && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var lane))
        {
            lane.Dispose();
        }
    }

    /// <summary>One open connection and its prepared statements, used by one read at a time.</summary>
    private sealed class Lane : IDisposable
    {
        private readonly SqliteConnection _connection;

        public Lane(string connectionString, int busyTimeoutSeconds)
        {
            _connection = new SqliteConnection(connectionString);
            try
            {
                _connection.Open();
                using (var pragma = _connection.CreateCommand())
                {
                    // Note: as SqliteBusyTimeout does for EF Core: SQLite waits for a lock itself, in short steps.
                    pragma.CommandText = $"PRAGMA busy_timeout = {busyTimeoutSeconds * 1000};";
                    pragma.ExecuteNonQuery();
                }

                (Session, SessionKey) = Prepare(SessionSql);
                (MachineUser, MachineUserKey) = Prepare(MachineUserSql);
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
        }

        public SqliteCommand Session { get; } = null!;

        public SqliteParameter SessionKey { get; } = null!;

        public SqliteCommand MachineUser { get; } = null!;

        public SqliteParameter MachineUserKey { get; } = null!;

        private (SqliteCommand, SqliteParameter) Prepare(string sql)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            var key = command.Parameters.Add("$key", SqliteType.Text);
            command.Prepare();
            return (command, key);
        }

        public void Dispose()
        {
            Session?.Dispose();
            MachineUser?.Dispose();
            _connection.Dispose();
        }
    }
}
