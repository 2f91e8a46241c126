// Reads submodules of TorchSharp modules by their registered names (= weight names), so the exporter
// can walk modules whose fields are private (ResNet, BasicBlock, the pixel decoder) without changing them (§13).

using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Name-based access to registered children.</summary>
internal static class ModuleTree
{
    /// <summary>The registered child <paramref name="name"/> of <paramref name="module"/>, which must be a <typeparamref name="T"/>.</summary>
    public static T Child<T>(nn.Module module, string name) where T : nn.Module =>
        TryChild<T>(module, name) ?? throw new InvalidOperationException(
            $"{module.GetName()} has no child '{name}' of type {typeof(T).Name}; children: " +
            string.Join(", ", module.named_children().Select(c => c.name)));

    /// <summary>The registered child, or null when absent (or of another type).</summary>
    public static T? TryChild<T>(nn.Module module, string name) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var (childName, child) in module.named_children())
        {
            if (childName == name)
            {
                return child as T;
            }
        }

        return null;
    }
}
