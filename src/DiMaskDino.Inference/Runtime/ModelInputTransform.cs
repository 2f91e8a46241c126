// Which input transform the engine uses for a model: the one its metadata names, with the user's size overrides.

using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;

namespace DiMaskDino.Inference.Runtime;

/// <summary>Builds the <see cref="IInputTransform"/> a model needs from its <see cref="ModelMetadata"/>.</summary>
public static class ModelInputTransform
{
    /// <summary>
    /// <see cref="InputTransformKind.Letterbox"/>: the fixed canvas of the graph. <see cref="InputTransformKind.ResizeShortestEdge"/>:
    /// the official resize with the metadata's sizes, or <paramref name="shortEdge"/> / <paramref name="maxSize"/> when
    /// given (smaller, faster inputs); the sizes apply only to such models.
    /// </summary>
    /// <exception cref="ArgumentException">a size override for a letterbox model, or a maximum below the short edge</exception>
    public static IInputTransform For(ModelMetadata model, int? shortEdge = null, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.InputTransform == InputTransformKind.Letterbox)
        {
            if (shortEdge is not null || maxSize is not null)
            {
                throw new ArgumentException(
                    $"the resize sizes apply only to models whose input transform is resize_shortest_edge; this {model.Preset} model uses the letterbox on a fixed {model.InputHeight}x{model.InputWidth} canvas");
            }

            var (height, width) = model.FixedInputSize();
            return new Letterbox(height, width, model.ChannelOrder, model.Mean.ToArray(), model.Std.ToArray());
        }

        int edge = shortEdge ?? model.ResizeShortEdge, max = maxSize ?? model.ResizeMaxSize;
        if (edge <= 0 || max < edge)
        {
            throw new ArgumentException($"the resize needs a positive short edge and a maximum size at least as large, got {edge} and {max}");
        }

        return new ResizeShortestEdge(edge, max, model.ChannelOrder, model.Mean.ToArray(), model.Std.ToArray(), model.SizeDivisibility);
    }

    /// <summary>
    /// Why a fixed-size graph cannot take an input with this geometry (its canvas differs from the graph's size), or
    /// null when it can. A size-dynamic graph takes every canvas.
    /// </summary>
    public static string? Mismatch(ModelMetadata model, LetterboxGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.IsSizeDynamic || (geometry.CanvasHeight == model.InputHeight && geometry.CanvasWidth == model.InputWidth))
        {
            return null;
        }

        return $"the official input of this {geometry.OriginalHeight}x{geometry.OriginalWidth} image is {geometry.ResizedHeight}x{geometry.ResizedWidth} padded to "
            + $"{geometry.CanvasHeight}x{geometry.CanvasWidth}, but the model's graph has the fixed input size {model.InputHeight}x{model.InputWidth} "
            + "(padding it further would change its detections; export the model size-dynamic)";
    }
}
