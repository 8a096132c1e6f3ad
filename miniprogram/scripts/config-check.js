// Validate the mini-program's JSON configuration the way miniprogram-ci (and
// WeChat DevTools) does before it compiles: project.config.json, app.json
// (schema, pages and tab bar files, window, permissions), every page's and
// component's JSON and sitemap.json. Offline: only miniprogram-ci's local
// checks run; nothing is uploaded and no key is needed. Exits 1 on any error.
//
//   node scripts/config-check.js [projectRoot]
const fs = require('fs')
const path = require('path')
const ci = require('miniprogram-ci')

const JSON_DIR = 'miniprogram-ci/dist/modules/corecompiler/original/json/'
const { getProjectConfigJSON } = require(JSON_DIR + 'projectconfig')
const { getAppJSON } = require(JSON_DIR + 'app')
const { getPageJSON } = require(JSON_DIR + 'page/getPageJSON')
const { getSiteMapJSON } = require(JSON_DIR + 'sitemap')

/** Add the components a page or component uses (its own JSON on disk) to `seen`. */
function componentsOf(projectPath, pagePath, seen) {
  const json = JSON.parse(fs.readFileSync(path.join(projectPath, pagePath + '.json'), 'utf8'))
  for (const target of Object.values(json.usingComponents || {})) {
    const file = target.startsWith('/') ? target.slice(1) : path.posix.join(path.posix.dirname(pagePath), target)
    if (!seen.has(file)) seen.add(file)
  }
}

function main(root) {
  const projectPath = path.resolve(root)
  // A private key is only used to upload or preview, which this never does.
  const project = new ci.Project({ type: 'miniProgram', projectPath, privateKey: 'offline-check',
    ignores: ['node_modules/**/*', 'tests/**/*', 'scripts/**/*'] })
  const config = getProjectConfigJSON(project)
  const app = getAppJSON(project)
  getSiteMapJSON(project)
  const components = new Set()
  for (const page of app.pages) {
    getPageJSON(project, { pagePath: page })
    componentsOf(projectPath, page, components)
  }
  for (const component of components) {
    getPageJSON(project, { pagePath: component })
    componentsOf(projectPath, component, components)
  }
  console.log(`miniprogram-ci: project.config.json (${config.compileType}), app.json, ${app.pages.length} pages, ` +
    `${components.size} components and sitemap.json are valid`)
}

function fail(error) {
  console.error(error.message || error)
  process.exit(1)
}

if (require.main === module) {
  process.on('uncaughtException', fail) // miniprogram-ci throws some errors from its own callbacks
  try {
    main(process.argv[2] || path.join(__dirname, '..'))
  } catch (error) {
    fail(error)
  }
}

module.exports = { main }
