using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

/// <summary>The one way the stores cut a list into pages by id (the audit log cuts by its sequence instead).</summary>
internal static class Pages
{
    /// <summary>
    /// The page of <paramref name="source"/> that <paramref name="page"/> asks for, newest first.
    /// Note: ids are version 7 GUIDs, ordered by the time of creation, so the id alone orders newest first and serves as
    /// the cursor, whether or not its row still exists; the comparison and the order both run in SQL (uuid order on
    /// PostgreSQL, the upper-case text on SQLite), so they agree with each other on either provider.
    /// </summary>
    public static IQueryable<T> NewestFirst<T>(this IQueryable<T> source, PageRequest page) where T : class
    {
        if (page.Before is { } before)
        {
            source = source.Where(e => EF.Property<Guid>(e, "Id").CompareTo(before) < 0);
        }

        return source.OrderByDescending(e => EF.Property<Guid>(e, "Id")).Take(page.Limit);
    }
}
