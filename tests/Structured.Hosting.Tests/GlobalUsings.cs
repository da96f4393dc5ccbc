global using System.Net;
global using System.Net.Sockets;
global using System.Runtime.InteropServices;
global using Microsoft.Extensions.DependencyInjection;
global using Microsoft.Extensions.Hosting;
global using Microsoft.Extensions.Logging;
