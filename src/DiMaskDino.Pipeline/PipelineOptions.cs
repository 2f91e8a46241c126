using System.ComponentModel.DataAnnotations;

namespace DiMaskDino.Pipeline;

/// <summary>Which <see cref="Queues.IWorkQueue"/> adapter a host wires (configuration <c>Pipeline:QueueKind</c>).</summary>
public enum QueueKind
{
    /// <summary>In-process queue: the embedded CLI.</summary>
    InProcess,

    /// <summary>Azure Storage queues (Azurite locally), poison messages in <c>{queue}-poison</c>.</summary>
    StorageQueue,

    /// <summary>Azure Service Bus queues.</summary>
    ServiceBus,
}

/// <summary>Settings of the labeling pipeline shared by every host (configuration section <see cref="SectionName"/>).</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    public QueueKind QueueKind { get; set; } = QueueKind.InProcess;

    /// <summary>Queue of shard messages (<see cref="Jobs.ShardMessage"/>).</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    public string ShardQueue { get; set; } = "shards";

    /// <summary>Queue of finalize messages (<see cref="Jobs.FinalizeMessage"/>).</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    public string FinalizeQueue { get; set; } = "finalize";

    /// <summary>Deliveries of one message before it is dead-lettered (the Service Bus queue's setting must match).</summary>
    [Range(1, 100)]
    public int MaxDeliveryCount { get; set; } = 5;

    /// <summary><see cref="ShardSize"/> when configuration does not say.</summary>
    public const int DefaultShardSize = 256;

    /// <summary>
    /// Images per shard when a request does not say: the HTTP API and <c>_label.json</c> fill it in for a body without
    /// <c>shard_size</c>, and it is <c>dimaskdino label</c>'s <c>--shard-size</c> default.
    /// </summary>
    [Range(1, Jobs.JobRequestRules.MaxShardSize)]
    public int ShardSize { get; set; } = DefaultShardSize;

    /// <summary>Shard messages sent per <see cref="Queues.IWorkQueue.SendAsync"/> call.</summary>
    [Range(1, 1000)]
    public int SendBatchSize { get; set; } = 100;

    /// <summary>Images of one shard downloaded ahead of the model (bounded: memory grows with this, not with the shard).</summary>
    [Range(1, 256)]
    public int DownloadParallelism { get; set; } = 8;

    /// <summary>
    /// Most bytes of one shard's images downloaded ahead of the model (started but not yet handed to it). A prefetching
    /// worker holds this much at most for the next shard besides the current one's; an image larger than this is still
    /// downloaded, alone.
    /// </summary>
    [Range(1L, 16L * 1024 * 1024 * 1024)]
    public long PrefetchBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The time limit for reading one image (a local open that blocks, a stalled download): past it the image fails
    /// with that reason and the shard goes on.
    /// </summary>
    public TimeSpan ImageReadTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a worker renews the lock of the message it is processing.</summary>
    public TimeSpan LockRenewInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one receive call waits for a message.</summary>
    public TimeSpan ReceiveWait { get; set; } = TimeSpan.FromSeconds(5);
}
