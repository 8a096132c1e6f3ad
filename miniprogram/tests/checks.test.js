/**
 * @jest-environment node
 */
// The CI checks (scripts/compile-check.js, scripts/config-check.js) pass on the
// project and fail on a broken copy of it.
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawnSync } = require('child_process')

const root = path.join(__dirname, '..')
const SOURCES = ['app.js', 'app.json', 'app.wxss', 'config.js', 'project.config.json', 'sitemap.json',
  'pages', 'components', 'images', 'utils']

function copyProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sixstep-mp-'))
  SOURCES.filter(name => fs.existsSync(path.join(root, name)))
    .forEach(name => fs.cpSync(path.join(root, name), path.join(dir, name), { recursive: true }))
  return dir
}

function run(script, dir) {
  // A process each, as in CI: miniprogram-ci reports some errors from its own callbacks.
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', script), dir], { encoding: 'utf8' })
  return { status: result.status, output: result.stdout + result.stderr }
}

function edit(dir, file, change) {
  const target = path.join(dir, file)
  fs.writeFileSync(target, change(fs.readFileSync(target, 'utf8')))
}

describe('Tencent compilers (wcc, wcsc)', () => {
  test('every WXML and WXSS file of the project compiles', () => {
    const { status, output } = run('compile-check.js', root)
    expect(output).toMatch(/wcc: \d+ WXML files compiled; wcsc: \d+ WXSS files compiled/)
    expect(status).toBe(0)
  })

  test('an unclosed tag or brace fails with the file and line', () => {
    const dir = copyProject()
    edit(dir, 'pages/mine/mine.wxml', text => text + '\n<view>{{oops</view>\n<text>')
    let result = run('compile-check.js', dir)
    expect(result.status).toBe(1)
    expect(result.output).toContain('pages/mine/mine.wxml')
    fs.copyFileSync(path.join(root, 'pages/mine/mine.wxml'), path.join(dir, 'pages/mine/mine.wxml'))
    edit(dir, 'pages/board/board.wxss', text => text + '\n.broken { color: red;\n')
    result = run('compile-check.js', dir)
    expect(result.status).toBe(1)
    expect(result.output).toContain('pages/board/board.wxss')
  })
})

describe('miniprogram-ci configuration check (offline)', () => {
  test('project.config.json, app.json, page and component JSON and sitemap.json are valid', () => {
    const { status, output } = run('config-check.js', root)
    expect(output).toMatch(/app\.json, 6 pages, \d+ components and sitemap\.json are valid/)
    expect(status).toBe(0)
  })

  test.each([
    ['a page with no files', 'app.json', app => ({ ...app, pages: [...app.pages, 'pages/index/index'] }),
      'pages/index/index'],
    ['a page JSON with a wrong type', 'pages/item/item.json', page => ({ ...page, enablePullDownRefresh: 'yes' }),
      'enablePullDownRefresh'],
  ])('%s fails', (_, file, change, message) => {
    const dir = copyProject()
    edit(dir, file, text => JSON.stringify(change(JSON.parse(text))))
    const { status, output } = run('config-check.js', dir)
    expect(status).toBe(1)
    expect(output).toContain(message)
  })
})
