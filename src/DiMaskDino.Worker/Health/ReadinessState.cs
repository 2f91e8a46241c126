using System.Collections.Concurrent;

namespace DiMaskDino.Worker.Health;

/// <summary>
/// What <c>/readyz</c> reports: ready once every queue loop has reached its queue, not ready while one cannot
/// (with the last error) or while the worker is stopping. Thread-safe.
/// </summary>
public sealed class ReadinessState
{
    private readonly ConcurrentDictionary<string, string?> _sources = new(StringComparer.Ordinal);
    private volatile bool _stopping;

    /// <summary>Declares a source that must become ready (before it first reports).</summary>
    public void Expect(string source) => _sources.TryAdd(source, "not started");

    public void MarkReady(string source) => _sources[source] = null;

    public void MarkNotReady(string source, string reason) => _sources[source] = reason;

    public void MarkStopping() => _stopping = true;

    /// <returns>null when ready, else why not</returns>
    public string? NotReadyReason()
    {
        if (_stopping)
        {
            return "stopping";
        }

        if (_sources.IsEmpty)
        {
            return "not started";
        }

        var problems = _sources.Where(s => s.Value is not null).Select(s => $"{s.Key}: {s.Value}").ToList();
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
