using DiMaskDino.Functions;
using DiMaskDino.ServiceDefaults;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddDiMaskDinoDefaults();
builder.AddDiMaskDinoFunctions();
builder.Build().Run();
