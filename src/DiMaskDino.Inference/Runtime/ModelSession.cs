using System.Runtime.InteropServices;
using DiMaskDino.Contracts.Models;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = DiMaskDino.Contracts.Models.ModelMetadata;

namespace DiMaskDino.Inference.Runtime;

/// <summary>
/// The one ONNX Runtime session of an exported DiMaskDino model in this process (register it as a singleton). Created
/// once, on the CUDA execution provider when preferred and available, otherwise on the CPU (logged once), checked
/// against its self-describing metadata and warmed up. <see cref="Run"/> may be called from several threads.
/// </summary>
public sealed partial class ModelSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames = [ModelMetadata.ImagesInput];
    private readonly string[] _outputNames = [.. ModelMetadata.OutputNames];

    /// <summary>Loads <paramref name="modelPath"/>, reads its metadata and runs one warm-up inference.</summary>
    /// <exception cref="FileNotFoundException">no file at <paramref name="modelPath"/></exception>
    /// <exception cref="InvalidDataException">not an ONNX model, or its metadata is missing, malformed or disagrees with the graph</exception>
    public ModelSession(string modelPath, InferenceOptions options, ILogger<ModelSession> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"ONNX model {modelPath} does not exist", modelPath);
        }

        ModelPath = modelPath;
        (_session, Provider) = Create(modelPath, options, logger);
        try
        {
            Metadata = ModelGraph.Describe(_session, modelPath);
            // A size-dynamic graph has no one size to warm up at (and ORT plans each new shape on its first run).
            if (!Metadata.IsSizeDynamic)
            {
                var (height, width) = Metadata.FixedInputSize();
                using var warmUp = Run(new float[3 * height * width], 1, height, width);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string ModelPath { get; }

    /// <summary>The provider the session actually runs on (after any fallback).</summary>
    public ExecutionProvider Provider { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>Runs the model on a batch of preprocessed images of the graph's fixed size; thread-safe.</summary>
    /// <param name="images">[batch, 3, H, W] float32, normalised and padded as <see cref="ModelMetadata.InputLayout"/> says</param>
    /// <returns>the three outputs; dispose it to release them</returns>
    public ModelOutputs Run(ReadOnlySpan<float> images, int batch)
    {
        var (height, width) = Metadata.FixedInputSize();
        return Run(images, batch, height, width);
    }

    /// <summary>Runs the model on a batch of <paramref name="height"/>×<paramref name="width"/> inputs; thread-safe.</summary>
    /// <param name="images">[batch, 3, height, width] float32, normalised and padded</param>
    /// <param name="height">the input height: the graph's own, or any multiple of the size divisibility for a size-dynamic graph</param>
    /// <param name="width">the input width, likewise</param>
    /// <returns>the three outputs; dispose it to release them</returns>
    public ModelOutputs Run(ReadOnlySpan<float> images, int batch, int height, int width)
    {
        CheckInput(images.Length, batch, height, width);

        // ORT reads the input while Run executes; a private copy keeps the caller's span free of pinning rules.
        var data = images.ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, [batch, 3, height, width]);
        using var runOptions = new RunOptions();
        var results = _session.Run(runOptions, _inputNames, [input], _outputNames);
        return new ModelOutputs(results, batch, Metadata.NumQueries, Metadata.NumClasses, height / 4, width / 4);
    }

    /// <summary>
    /// Runs the model on a batch of the graph's fixed size held in <paramref name="images"/> without copying it; see
    /// <see cref="Run(ReadOnlyMemory{float}, int, int, int, CancellationToken)"/>.
    /// </summary>
    public ModelOutputs Run(ReadOnlyMemory<float> images, int batch, CancellationToken cancellationToken)
    {
        var (height, width) = Metadata.FixedInputSize();
        return Run(images, batch, height, width, cancellationToken);
    }

    /// <summary>
    /// Runs the model on a batch held in <paramref name="images"/> without copying it (the memory is pinned for the
    /// duration of the run and must not be written meanwhile); thread-safe. Cancelling the token terminates a run in
    /// flight (ORT's RunOptions.Terminate) and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="images">[batch, 3, height, width] float32, exactly batch·3·height·width long</param>
    /// <param name="height">the input height: the graph's own, or any multiple of the size divisibility for a size-dynamic graph</param>
    /// <param name="width">the input width, likewise</param>
    /// <returns>the three outputs; dispose it to release them</returns>
    public ModelOutputs Run(ReadOnlyMemory<float> images, int batch, int height, int width, CancellationToken cancellationToken)
    {
        CheckInput(images.Length, batch, height, width);
        cancellationToken.ThrowIfCancellationRequested();
        using var input = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(images), [batch, 3, height, width]);
        using var runOptions = new RunOptions();
        // Declared after runOptions, so disposed first: Dispose waits for a callback in progress.
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = _session.Run(runOptions, _inputNames, [input], _outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the ONNX Runtime run was terminated by cancellation", cancellationToken);
        }

        return new ModelOutputs(results, batch, Metadata.NumQueries, Metadata.NumClasses, height / 4, width / 4);
    }

    /// <summary>True once <see cref="Dispose"/> ran; <see cref="ModelSessionCache"/> tests use it to prove a retired session is released.</summary>
    internal bool IsDisposed { get; private set; }

    public void Dispose()
    {
        IsDisposed = true;
        _session.Dispose();
    }

    private void CheckInput(long length, int batch, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var model = Metadata;
        if (model.IsSizeDynamic && height == 0 && width == 0)
        {
            throw new ArgumentException("this model is size-dynamic: pass the input height and width of the batch to Run");
        }

        bool sizeFits = model.IsSizeDynamic
            ? height > 0 && width > 0 && height % model.SizeDivisibility == 0 && width % model.SizeDivisibility == 0
            : height == model.InputHeight && width == model.InputWidth;
        if (!sizeFits)
        {
            var expected = model.IsSizeDynamic ? $"positive multiples of {model.SizeDivisibility}" : $"{model.InputHeight}x{model.InputWidth}";
            throw new ArgumentException($"the model takes inputs of {expected}, got {height}x{width}");
        }

        var imageLength = 3L * height * width;
        if (length != batch * imageLength)
        {
            throw new ArgumentException($"expected {batch} × 3 × {height} × {width} = {batch * imageLength} floats, got {length}", "images");
        }
    }

    private static (InferenceSession, ExecutionProvider) Create(string modelPath, InferenceOptions options, ILogger logger)
    {
        if (options.PreferredProvider == ExecutionProvider.Cuda && CudaLibraries.FirstMissing() is { } missing)
        {
            var cpuSession = OpenOnCpu(modelPath, options);
            LogCudaFallback(logger, modelPath, $"{missing} cannot be loaded (ORT 1.31 needs CUDA 13 and cuDNN 9 on the library path)");
            return (cpuSession, ExecutionProvider.Cpu);
        }

        if (options.PreferredProvider == ExecutionProvider.Cuda)
        {
            // ORT copies what it needs from SessionOptions when the session is created, so they are disposed here.
            using var cudaOptions = NewOptions(options);
            try
            {
                cudaOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                var session = new InferenceSession(modelPath, cudaOptions);
                LogProvider(logger, ExecutionProvider.Cuda, modelPath);
                return (session, ExecutionProvider.Cuda);
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                var cpuSession = OpenOnCpu(modelPath, options);
                LogCudaFallback(logger, modelPath, $"{FirstLine(e.Message)} (ORT 1.31 needs CUDA 13 and cuDNN 9 on the library path)");
                return (cpuSession, ExecutionProvider.Cpu);
            }
        }

        var cpu = OpenOnCpu(modelPath, options);
        LogProvider(logger, ExecutionProvider.Cpu, modelPath);
        return (cpu, ExecutionProvider.Cpu);
    }

    private static InferenceSession OpenOnCpu(string modelPath, InferenceOptions options)
    {
        using var cpuOptions = NewOptions(options);
        try
        {
            return new InferenceSession(modelPath, cpuOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{modelPath} is not a loadable ONNX model: {FirstLine(e.Message)}", e);
        }
    }

    private static SessionOptions NewOptions(InferenceOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            GraphOptimizationLevel = options.GraphOptimizationLevel,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        return sessionOptions;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ONNX Runtime runs {Model} on the {Provider} execution provider")]
    private static partial void LogProvider(ILogger logger, ExecutionProvider provider, string model);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "CUDA execution provider unavailable for {Model}, falling back to the CPU: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, string model, string reason);
}
