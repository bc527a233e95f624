// Runs a PLC directory (in-memory) and an @atproto/pds on 127.0.0.1 for the test suite.
//
// Started by tests/servers/pds.py, which copies this file next to the cached node_modules
// (ESM resolves packages from the script's own directory) and passes the config in the
// environment. Prints one JSON line {"ready": true, ...} on stdout when both servers
// answer; exits when stdin closes (the pytest process died) or on SIGTERM/SIGINT.
import plcPkg from '@did-plc/server'
import { PDS, envToCfg, envToSecrets, readEnv } from '@atproto/pds'

const { PlcServer, Database } = plcPkg
const HOST = '127.0.0.1'

// Express's app.listen(port) binds every interface; tests must stay on loopback.
function bindLoopback(app) {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, HOST, ...rest)
}

const plcPort = Number(process.env.PLC_PORT)
const plc = PlcServer.create({ db: Database.mock(), port: plcPort })
bindLoopback(plc.app)
await plc.start()

process.env.PDS_DID_PLC_URL = `http://localhost:${plcPort}`
const env = readEnv()
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
bindLoopback(pds.app)
await pds.start()

let stopping = false
async function stop(code) {
  if (stopping) return
  stopping = true
  try {
    await pds.destroy()
    await plc.destroy()
  } finally {
    process.exit(code)
  }
}
process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))
process.stdin.on('end', () => stop(0))
process.stdin.on('error', () => stop(0))
process.stdin.resume()

process.stdout.write(JSON.stringify({ ready: true, pds_port: env.port, plc_port: plcPort }) + '\n')
