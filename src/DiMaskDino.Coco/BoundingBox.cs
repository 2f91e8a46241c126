namespace DiMaskDino.Coco;

/// <summary>An axis-aligned box in COCO's <c>[x, y, width, height]</c> convention, absolute pixels.</summary>
public readonly record struct BoundingBox(double X, double Y, double Width, double Height)
{
    /// <summary>Area as COCO's loadRes computes it for detections: the double product <c>w*h</c>.</summary>
    public double Area => Width * Height;

    public double Right => X + Width;

    public double Bottom => Y + Height;
}
