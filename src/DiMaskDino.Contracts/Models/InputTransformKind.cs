namespace DiMaskDino.Contracts.Models;

/// <summary>The input transform a model was trained or exported for (metadata <c>dimaskdino.input_transform</c>).</summary>
public enum InputTransformKind
{
    /// <summary>Our own models: every image resized into one fixed canvas (DiMaskDino.Inference's <c>Letterbox</c>).</summary>
    Letterbox,

    /// <summary>Imported official models: detectron2's test transform, each image on its own padded canvas (DiMaskDino.Inference's <c>ResizeShortestEdge</c>).</summary>
    ResizeShortestEdge,
}
