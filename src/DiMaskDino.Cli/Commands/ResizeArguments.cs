using System.CommandLine;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// The input size options <c>label</c> and <c>predict</c> share, for models that take the official resize
/// (imported checkpoints): smaller inputs are faster and give different detections than the paper's setting.
/// </summary>
internal sealed class ResizeArguments
{
    public Option<int?> ShortEdge { get; } = new("--resize-short-edge")
    {
        Description = "Short side of the official resize (default: the model's own, 800 for the official checkpoints).",
    };

    public Option<int?> MaxSize { get; } = new("--resize-max-size")
    {
        Description = "Longest side of the official resize (default: the model's own, 1333).",
    };

    public IEnumerable<Option> All => [ShortEdge, MaxSize];

    /// <summary>The two sizes (null: the model's); bad values are one <see cref="CliInputException"/>.</summary>
    public (int? ShortEdge, int? MaxSize) Resolve(ParseResult parse)
    {
        var shortEdge = parse.GetValue(ShortEdge);
        var maxSize = parse.GetValue(MaxSize);
        if (shortEdge is < 32 or > 8192)
        {
            throw new CliInputException($"--resize-short-edge must be between 32 and 8192 pixels, got {shortEdge}");
        }

        if (maxSize is < 32 or > 8192)
        {
            throw new CliInputException($"--resize-max-size must be between 32 and 8192 pixels, got {maxSize}");
        }

        if (shortEdge is { } edge && maxSize is { } max && max < edge)
        {
            throw new CliInputException($"--resize-max-size ({max}) must be at least --resize-short-edge ({edge})");
        }

        return (shortEdge, maxSize);
    }

    /// <summary>Refuses sizes for a model that does not take the official resize (our letterbox models).</summary>
    public static void Check((int? ShortEdge, int? MaxSize) resize, ModelMetadata model)
    {
        if ((resize.ShortEdge is not null || resize.MaxSize is not null) && model.InputTransform != InputTransformKind.ResizeShortestEdge)
        {
            throw new CliInputException(
                "--resize-short-edge and --resize-max-size apply only to models that take the official resize (imported checkpoints); this model uses the letterbox");
        }
    }
}
