using DiMaskDino.Inference.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Inference.Tests.Runtime;

/// <summary>ModelSessionCache with real ORT sessions of the tiny exported model.</summary>
public sealed class ModelSessionCacheTests(TinyOnnxModel tiny) : IClassFixture<TinyOnnxModel>
{
    private static readonly Uri ModelUri = new("https://models.example/dimaskdino/tiny.onnx");

    private static ModelSessionCache NewCache() =>
        new(new InferenceOptions { PreferredProvider = ExecutionProvider.Cpu, IntraOpThreads = 1 }, NullLoggerFactory.Instance);

    private Func<CancellationToken, Task<string>> Materialise(Action? onCall = null) => async ct =>
    {
        onCall?.Invoke();
        await Task.Delay(50, ct);  // a download, long enough for the callers to overlap
        return tiny.Path;
    };

    [Fact]
    public async Task Concurrent_callers_for_the_same_model_share_one_load()
    {
        using var cache = NewCache();
        int loads = 0;
        var materialise = Materialise(() => Interlocked.Increment(ref loads));

        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => cache.GetOrCreateAsync(ModelUri, "\"etag-1\"", materialise))));
        using var later = await cache.GetOrCreateAsync(ModelUri, "\"etag-1\"", materialise);

        Assert.Equal(1, loads);
        Assert.All(leases, lease => Assert.Same(leases[0].Session, lease.Session));
        Assert.Same(leases[0].Session, later.Session);
        foreach (var lease in leases)
        {
            lease.Dispose();
        }

        Assert.False(later.Session.IsDisposed);
    }

    [Fact]
    public async Task A_new_etag_replaces_the_session_and_the_old_one_is_disposed_after_its_last_lease()
    {
        using var cache = NewCache();
        var old = await cache.GetOrCreateAsync(ModelUri, "v1", Materialise());
        var oldSession = old.Session;

        using var current = await cache.GetOrCreateAsync(ModelUri, "v2", Materialise());

        Assert.NotSame(oldSession, current.Session);
        Assert.False(oldSession.IsDisposed);
        using (var outputs = oldSession.Run(new float[3 * 96 * 96], 1))
        {
            Assert.Equal(1, outputs.Batch);  // a run in flight on the retired session still works
        }

        old.Dispose();
        await WaitUntil(() => oldSession.IsDisposed);
        Assert.False(current.Session.IsDisposed);
        old.Dispose();  // a second dispose of the same lease changes nothing
        using var again = await cache.GetOrCreateAsync(ModelUri, "v2", Materialise());
        Assert.Same(current.Session, again.Session);
    }

    [Fact]
    public async Task An_idle_session_is_disposed_as_soon_as_a_new_etag_replaces_it()
    {
        using var cache = NewCache();
        ModelSession first;
        using (var lease = await cache.GetOrCreateAsync(ModelUri, "v1", Materialise()))
        {
            first = lease.Session;
        }

        Assert.False(first.IsDisposed);  // idle but current: kept
        using var second = await cache.GetOrCreateAsync(ModelUri, "v2", Materialise());

        await WaitUntil(() => first.IsDisposed);
    }

    [Fact]
    public async Task A_failed_load_is_not_cached()
    {
        using var cache = NewCache();
        int calls = 0;
        Func<CancellationToken, Task<string>> flaky = _ => ++calls == 1
            ? Task.FromException<string>(new IOException("download interrupted"))
            : Task.FromResult(tiny.Path);

        var error = await Assert.ThrowsAsync<IOException>(() => cache.GetOrCreateAsync(ModelUri, "v1", flaky));
        using var lease = await cache.GetOrCreateAsync(ModelUri, "v1", flaky);

        Assert.Equal("download interrupted", error.Message);
        Assert.Equal(2, calls);
        Assert.False(lease.Session.IsDisposed);
    }

    [Fact]
    public async Task A_file_that_is_not_a_model_fails_every_waiting_caller_with_the_reason()
    {
        using var cache = NewCache();
        var path = tiny.WriteBytes("cache-not-a-model.onnx", "garbage"u8.ToArray());

        var errors = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Assert.ThrowsAsync<InvalidDataException>(
            () => cache.GetOrCreateAsync(ModelUri, "bad", async ct => { await Task.Delay(50, ct); return path; }))));

        Assert.All(errors, e => Assert.Contains("not a loadable ONNX model", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_caller_that_cancels_does_not_cancel_the_load_for_the_others()
    {
        using var cache = NewCache();
        int loads = 0;
        using var release = new SemaphoreSlim(0);
        Func<CancellationToken, Task<string>> slow = async ct =>
        {
            Interlocked.Increment(ref loads);
            await release.WaitAsync(ct);
            return tiny.Path;
        };
        using var impatient = new CancellationTokenSource();

        var cancelled = cache.GetOrCreateAsync(ModelUri, "v1", slow, impatient.Token);
        var patient = cache.GetOrCreateAsync(ModelUri, "v1", slow);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        release.Release();
        using var lease = await patient;

        Assert.Equal(1, loads);
        Assert.False(lease.Session.IsDisposed);
    }

    [Fact]
    public async Task Disposing_the_cache_disposes_idle_sessions_now_and_leased_ones_at_release()
    {
        var cache = NewCache();
        var idleLease = await cache.GetOrCreateAsync(ModelUri, "v1", Materialise());
        var idle = idleLease.Session;
        idleLease.Dispose();
        var leased = await cache.GetOrCreateAsync(new Uri("https://models.example/other.onnx"), "v1", Materialise());

        cache.Dispose();

        await WaitUntil(() => idle.IsDisposed);
        Assert.False(leased.Session.IsDisposed);
        leased.Dispose();
        await WaitUntil(() => leased.Session.IsDisposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.GetOrCreateAsync(ModelUri, "v1", Materialise()));
    }

    [Fact]
    public async Task The_service_registration_gives_one_cache_built_from_the_configured_options()
    {
        var services = new ServiceCollection();
        services.AddDiMaskDinoInference();
        services.AddDiMaskDinoInference();  // idempotent
        services.Configure<InferenceOptions>(o => o.PreferredProvider = ExecutionProvider.Cpu);
        await using var provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<ModelSessionCache>();
        Assert.Same(cache, provider.GetRequiredService<ModelSessionCache>());
        using var lease = await cache.GetOrCreateAsync(ModelUri, "v1", Materialise());
        Assert.Equal(ExecutionProvider.Cpu, lease.Session.Provider);
        Assert.Single(services, d => d.ServiceType == typeof(ModelSessionCache));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
