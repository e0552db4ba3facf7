using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

/// <summary>
/// A compiled query, compiled once per provider's context type. Note: EF binds a compiled query to the model it first
/// ran on, and each provider's context has a model of its own; a host runs one provider, but a process may hold both.
/// </summary>
internal sealed class CompiledPerModel<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConcurrentDictionary<Type, TQuery> _queries = new();

    public TQuery For(DbContext db) => _queries.GetOrAdd(db.GetType(), static (_, compile) => compile(), compile);
}
