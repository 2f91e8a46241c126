// The six object classes of the synthetic dataset (issue 3, "Data"); enum values are the COCO category ids.

namespace DiMaskDino.Training.Synthetic;

/// <summary>Object classes of the synthetic shapes dataset; the value is the COCO category id.</summary>
public enum ShapeKind
{
    Circle = 1,
    Triangle = 2,
    Square = 3,
    Star = 4,

    /// <summary>An annulus: a mask with a hole.</summary>
    Ring = 5,
    Cross = 6,
}

public static class ShapeKinds
{
    /// <summary>All kinds in category-id order.</summary>
    public static IReadOnlyList<ShapeKind> All { get; } = [ShapeKind.Circle, ShapeKind.Triangle, ShapeKind.Square, ShapeKind.Star, ShapeKind.Ring, ShapeKind.Cross];

    /// <summary>The COCO category name: circle, triangle, square, star, ring, cross.</summary>
    public static string CategoryName(this ShapeKind kind) => kind switch
    {
        ShapeKind.Circle => "circle",
        ShapeKind.Triangle => "triangle",
        ShapeKind.Square => "square",
        ShapeKind.Star => "star",
        ShapeKind.Ring => "ring",
        ShapeKind.Cross => "cross",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a shape kind"),
    };
}
