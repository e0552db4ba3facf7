using System.Diagnostics;

namespace Latchkey.Cli.Importing;

/// <summary>
/// Progress of an import on standard error: done/total, rows per second and the time left. On a terminal one line
/// redraws in place; otherwise a line at most every second, and the last one at the end.
/// </summary>
internal sealed class ImportProgress(TextWriter error, bool terminal, long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastPrinted;

    public void Report(long done, bool final = false)
    {
        var elapsed = _clock.Elapsed;
        if (!final && _lastPrinted is { } last && elapsed - last < TimeSpan.FromSeconds(terminal ? 0.1 : 1))
        {
            return;
        }

        _lastPrinted = elapsed;
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var left = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        var percent = total == 0 ? 100 : 100.0 * done / total;
        const int width = 30;
        var filled = (int)(width * percent / 100);
        var bar = new string('#', filled) + new string('.', width - filled);
        var line = $"[{bar}] {done:N0}/{total:N0} rows {percent,5:0.0}%  {rate:N0} rows/s  ETA {left:hh\\:mm\\:ss}";
        if (terminal)
        {
            error.Write('\r' + line);
            if (final)
            {
                error.WriteLine();
            }
        }
        else
        {
            error.WriteLine(line);
        }
    }
}
