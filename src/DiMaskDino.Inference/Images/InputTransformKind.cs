namespace DiMaskDino.Inference.Images;

/// <summary>The input transform a model was trained or exported for (metadata <c>dimaskdino.input_transform</c>).</summary>
public enum InputTransformKind
{
    /// <summary>Our own models: every image resized into one fixed canvas (<see cref="Letterbox"/>).</summary>
    Letterbox,

    /// <summary>Imported official models: detectron2's test transform, each image on its own padded canvas (<see cref="ResizeShortestEdge"/>).</summary>
    ResizeShortestEdge,
}
