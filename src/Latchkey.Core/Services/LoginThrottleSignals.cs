namespace Latchkey.Core.Services;

/// <summary>
/// The attempts of this instance that wait on a login, in order of arrival, and the signal that wakes them when any
/// attempt ends. Only the first in a login's line looks at the counter again; the rest wait for it to leave (an
/// arrival while others wait joins the end of the line), so the attempts of one login get their turns first come,
/// first served instead of racing on every signal, and a signal costs one database read per login rather than one
/// per waiter. Attempts on other instances are seen by polling. Also bounds how many attempts may wait on one login
/// at once (<see cref="MaxWaitingPerLogin"/>).
/// </summary>
internal sealed class LoginThrottleSignals
{
    /// <summary>
    /// Attempts of this instance that may wait on one login at once; any more are answered 429 at once. Enough for a
    /// burst of sixteen logins with the right password (a person's devices, a load test) to all succeed; few enough
    /// that requests parked on a login cost next to nothing.
    /// </summary>
    public const int MaxWaitingPerLogin = 16;

    // Note: waiting is rare, so one lock over a small table is simpler than anything finer, and a login's line goes
    // when its last waiter does.
    private readonly Dictionary<string, LinkedList<string>> _lines = new(StringComparer.Ordinal);
    private TaskCompletionSource _ended = New();

    /// <summary>How many attempts wait on this instance now, over all logins.</summary>
    public int Waiting
    {
        get
        {
            lock (_lines)
            {
                return _lines.Values.Sum(line => line.Count);
            }
        }
    }

    /// <summary>Whether attempts wait on the login on this instance now.</summary>
    public bool AnyWaiting(string key)
    {
        lock (_lines)
        {
            return _lines.ContainsKey(key);
        }
    }

    /// <summary>
    /// Takes a place at the end of the login's line, if one is free (null when <see cref="MaxWaitingPerLogin"/> wait
    /// already); give it back with <see cref="StopWaiting"/>.
    /// </summary>
    public LinkedListNode<string>? TryStartWaiting(string key)
    {
        lock (_lines)
        {
            if (!_lines.TryGetValue(key, out var line))
            {
                _lines[key] = line = new LinkedList<string>();
            }
            else if (line.Count >= MaxWaitingPerLogin)
            {
                return null;
            }

            return line.AddLast(key);
        }
    }

    /// <summary>Whether <paramref name="place"/> is first in its login's line: its turn to look at the counter.</summary>
    public bool IsFirst(LinkedListNode<string> place)
    {
        lock (_lines)
        {
            return place.Previous is null;
        }
    }

    /// <summary>Leaves the line and wakes the waiters, so the next in line takes its turn at once.</summary>
    public void StopWaiting(LinkedListNode<string> place)
    {
        lock (_lines)
        {
            var line = place.List!;
            line.Remove(place);
            if (line.Count == 0)
            {
                _lines.Remove(place.Value);
            }
        }

        Signal();
    }

    public Task Listen() => Volatile.Read(ref _ended).Task;

    public void Signal() => Interlocked.Exchange(ref _ended, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
