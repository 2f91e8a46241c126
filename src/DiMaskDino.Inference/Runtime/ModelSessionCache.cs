using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Inference.Runtime;

/// <summary>
/// One <see cref="ModelSession"/> per model per process (style.md "ONNX Runtime"): keyed by the model's URI, holding
/// the session of the URI's latest ETag. Register it as a singleton (<see cref="InferenceServiceCollectionExtensions"/>).
/// </summary>
/// <remarks>
/// <para>Loading: concurrent callers asking for the same (URI, ETag) share one load (materialise the file, create the
/// session, warm up). A failed load is not cached: every caller waiting on it gets its exception, and the next call
/// tries again. A caller that cancels stops waiting; the load goes on for the others and is cached.</para>
/// <para>Replacement and disposal: a call with a new ETag for a URI starts a new load and retires the old session. A
/// retired session is disposed when its last <see cref="ModelSessionLease"/> is disposed (at once if it has none),
/// never under a run in flight. Disposing the cache retires every session the same way.</para>
/// </remarks>
public sealed partial class ModelSessionCache : IDisposable
{
    private readonly InferenceOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Dictionary<Uri, Entry> _entries = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _lifetime = new();
    private bool _disposed;

    public ModelSessionCache(InferenceOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ModelSessionCache>();
    }

    /// <summary>The session of <paramref name="modelUri"/> at <paramref name="etag"/>, loading it once if needed.</summary>
    /// <param name="modelUri">The model's identity, e.g. its blob URI.</param>
    /// <param name="etag">The version of the model at that URI; a different value replaces the cached session.</param>
    /// <param name="materialiseToLocalPath">
    /// Makes the model available as a local file and returns its path (e.g. downloads the blob); called once per load,
    /// with a token cancelled only when the cache is disposed.
    /// </param>
    /// <returns>A lease on the session; dispose it when done with the session.</returns>
    /// <exception cref="InvalidDataException">The file is not a loadable DiMaskDino model (see <see cref="ModelSession"/>).</exception>
    public async Task<ModelSessionLease> GetOrCreateAsync(
        Uri modelUri, string etag, Func<CancellationToken, Task<string>> materialiseToLocalPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelUri);
        ArgumentException.ThrowIfNullOrEmpty(etag);
        ArgumentNullException.ThrowIfNull(materialiseToLocalPath);
        Entry entry;
        Entry? retired = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_entries.TryGetValue(modelUri, out entry!) || !string.Equals(entry.ETag, etag, StringComparison.Ordinal))
            {
                if (entry is not null)
                {
                    entry.Retired = true;
                    retired = entry.Leases == 0 ? entry : null;
                    LogRetired(_logger, modelUri, entry.ETag, etag);
                }

                // Task.Run: the load's synchronous part must not run under the lock.
                entry = new Entry(modelUri, etag);
                entry.Load = Task.Run(() => LoadAsync(modelUri, etag, materialiseToLocalPath, _lifetime.Token), CancellationToken.None);
                _entries[modelUri] = entry;
            }

            entry.Leases++;
        }

        retired?.DisposeWhenLoaded();
        ModelSession session;
        try
        {
            session = await entry.Load.WaitAsync(cancellationToken);
        }
        catch
        {
            lock (_lock)
            {
                // Forget a failed load so that the next caller tries again.
                if (entry.Load.IsFaulted && _entries.TryGetValue(modelUri, out var current) && current == entry)
                {
                    _entries.Remove(modelUri);
                }
            }

            Release(entry);
            throw;
        }

        return new ModelSessionLease(modelUri, etag, session, () => Release(entry));
    }

    /// <summary>Retires every session: idle ones are disposed now, leased ones when their last lease is disposed.</summary>
    public void Dispose()
    {
        List<Entry> idle;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var entry in _entries.Values)
            {
                entry.Retired = true;
            }

            idle = [.. _entries.Values.Where(e => e.Leases == 0)];
            _entries.Clear();
        }

        _lifetime.Cancel();
        foreach (var entry in idle)
        {
            entry.DisposeWhenLoaded();
        }

        // _lifetime is not disposed: a load may still be observing its token (it holds no timer or handle).
    }

    private async Task<ModelSession> LoadAsync(Uri modelUri, string etag, Func<CancellationToken, Task<string>> materialise, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var path = await materialise(cancellationToken);
        var session = new ModelSession(path, _options, _loggerFactory.CreateLogger<ModelSession>());
        LogLoaded(_logger, modelUri, etag, path, session.Provider, clock.Elapsed.TotalSeconds);
        return session;
    }

    private void Release(Entry entry)
    {
        bool dispose;
        lock (_lock)
        {
            entry.Leases--;
            dispose = entry.Leases == 0 && entry.Retired;
        }

        if (dispose)
        {
            entry.DisposeWhenLoaded();
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Loaded model {ModelUri} (ETag {ETag}) from {Path} on {Provider} in {Seconds:F2} s")]
    private static partial void LogLoaded(ILogger logger, Uri modelUri, string etag, string path, ExecutionProvider provider, double seconds);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Model {ModelUri} changed from ETag {OldETag} to {NewETag}; the old session is disposed after its last run")]
    private static partial void LogRetired(ILogger logger, Uri modelUri, string oldETag, string newETag);

    /// <summary>A (URI, ETag) load and its lease count; <see cref="Leases"/> and <see cref="Retired"/> are guarded by the cache's lock.</summary>
    private sealed class Entry(Uri modelUri, string etag)
    {
        public Uri ModelUri { get; } = modelUri;

        public string ETag { get; } = etag;

        public Task<ModelSession> Load { get; set; } = null!;

        public int Leases { get; set; }

        public bool Retired { get; set; }

        /// <summary>Disposes the session once the load finishes (a failed load has nothing to dispose). Called once per entry.</summary>
        public void DisposeWhenLoaded() => Load.ContinueWith(
            static load => load.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }
}
