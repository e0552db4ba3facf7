namespace Latchkey.Core.Stores;

/// <summary>
/// One page of a list cut by a cursor, as the audit log has always been read: at most <see cref="Limit"/> items, newest
/// first, those before the item <see cref="Before"/> when it is given. The cursor is the id of the last item of the
/// previous page, never an offset, so rows added or removed meanwhile neither repeat nor skip items of later pages.
/// </summary>
internal readonly record struct PageRequest(Guid? Before, int Limit)
{
    /// <summary>The most items one page may ask for.</summary>
    public const int MaxLimit = 200;

    /// <summary>The first page, of <paramref name="limit"/> items.</summary>
    public static PageRequest First(int limit = MaxLimit) => new(null, limit);

    /// <summary>
    /// What a store is asked for: one item more than the page holds, which tells whether another page follows
    /// without a count.
    /// </summary>
    public PageRequest Probe => this with { Limit = Limit + 1 };
}

/// <summary>A page of items; <see cref="NextBefore"/> is the cursor of the next page, null on the last one.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, Guid? NextBefore)
{
    /// <summary>The page of <paramref name="request"/> from what the store returned for its <see cref="PageRequest.Probe"/>.</summary>
    public static Page<T> Cut(IReadOnlyList<T> probed, PageRequest request, Func<T, Guid> idOf) =>
        probed.Count > request.Limit
            ? new(probed.Take(request.Limit).ToList(), idOf(probed[request.Limit - 1]))
            : new(probed, null);

    /// <summary>Every item, page after page: for the operator's tool, which prints them all.</summary>
    public static async Task<IReadOnlyList<T>> AllAsync(Func<PageRequest, Task<Page<T>>> read)
    {
        var all = new List<T>();
        var request = PageRequest.First();
        while (true)
        {
            var page = await read(request);
            all.AddRange(page.Items);
            if (page.NextBefore is not { } next)
            {
                return all;
            }

            request = request with { Before = next };
        }
    }
}
