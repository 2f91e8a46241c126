using System.CommandLine;
using System.CommandLine.Parsing;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// Enum options whose values are shown, completed and accepted in lower case (<c>--source local|azure</c>), and whose
/// bad values are one line naming the option and its choices. For <see cref="Option{T}"/> the default must be the
/// enum's zero value: it is what an absent option reads as, and the help then shows it in lower case in the
/// description (a default value factory would be printed as "[default: Local]").
/// </summary>
internal static class LowerCaseEnum
{
    public static Option<T> Option<T>(string name, T defaultValue, string description)
        where T : struct, Enum
    {
        if (!EqualityComparer<T>.Default.Equals(defaultValue, default))
        {
            throw new ArgumentException($"the default of {name} must be the zero value of {typeof(T).Name}", nameof(defaultValue));
        }

        return Create<T>(name, $"{description} [default: {Name(defaultValue)}]", result => Parse<T>(result, name, 0));
    }

    /// <summary>A required option (no default).</summary>
    public static Option<T> Required<T>(string name, string description)
        where T : struct, Enum
    {
        var option = Create<T>(name, description, result => Parse<T>(result, name, 0));
        option.Required = true;
        return option;
    }

    /// <summary>A repeatable option (<c>--format coco --format yolo</c> or <c>--format coco yolo</c>); absent reads as none.</summary>
    public static Option<T[]> List<T>(string name, string description)
        where T : struct, Enum
    {
        var option = Create<T[]>(name, description, result => [.. result.Tokens.Select((_, i) => Parse<T>(result, name, i))]);
        option.AllowMultipleArgumentsPerToken = true;
        return option;
    }

    public static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static Option<TValue> Create<TValue>(string name, string description, Func<ArgumentResult, TValue> parse)
    {
        var names = ChoicesOf(typeof(TValue).IsArray ? typeof(TValue).GetElementType()! : typeof(TValue));
        var option = new Option<TValue>(name) { Description = description, HelpName = string.Join('|', names), CustomParser = parse! };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(names);
        return option;
    }

    private static T Parse<T>(ArgumentResult result, string name, int token)
        where T : struct, Enum
    {
        var value = token < result.Tokens.Count ? result.Tokens[token].Value : "";
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Name(candidate), value, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        result.AddError($"{name} must be one of {string.Join(", ", ChoicesOf(typeof(T)))}, got \"{value}\"");
        return default;
    }

    private static string[] ChoicesOf(Type enumType) => [.. Enum.GetNames(enumType).Select(n => n.ToLowerInvariant())];
}
