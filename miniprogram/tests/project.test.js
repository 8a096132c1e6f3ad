const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const readJson = f => JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'))

describe('project files', () => {
  const app = readJson('app.json')

  test('every page listed in app.json has its four files and is a Component() page', () => {
    expect(app.pages).toEqual([
      'pages/report/report', 'pages/mine/mine', 'pages/board/board', 'pages/scan/scan', 'pages/item/item',
      'pages/supervised/supervised',
    ])
    app.pages.forEach(page => {
      ['js', 'json', 'wxml', 'wxss'].forEach(ext => {
        expect(fs.existsSync(path.join(root, page + '.' + ext))).toBe(true)
      })
      const js = fs.readFileSync(path.join(root, page + '.js'), 'utf8')
      expect(js).toMatch(/\bComponent\(\{/)
      expect(js).not.toMatch(/\bPage\(\{/)
      const components = page === 'pages/report/report'
        ? {'privacy-popup': '../../components/privacy-popup/privacy-popup'} : {}
      expect(readJson(page + '.json').usingComponents).toEqual(components)
    })
  })

  test('the tab bar has the four tabs with icons that exist', () => {
    expect(app.tabBar.list.map(t => [t.pagePath, t.text])).toEqual([
      ['pages/report/report', '反映问题'],
      ['pages/mine/mine', '我的诉求'],
      ['pages/board/board', '办理公示'],
      ['pages/scan/scan', '扫码督办'],
    ])
    app.tabBar.list.forEach(t => {
      expect(fs.existsSync(path.join(root, t.iconPath))).toBe(true)
      expect(fs.existsSync(path.join(root, t.selectedIconPath))).toBe(true)
    })
  })

  test('chooseLocation is declared, as WeChat requires', () => {
    expect(app.requiredPrivateInfos).toContain('chooseLocation')
    expect(app.permission['scope.userLocation'].desc).toBeTruthy()
  })

  test('project.config.json and config.js', () => {
    const project = readJson('project.config.json')
    // miniprogram-ci reads "./" literally and finds no files: the project root is this folder.
    expect(project.miniprogramRoot).toBeUndefined()
    expect(project.setting).toMatchObject({minified: true, minifyWXML: true, minifyWXSS: true})
    expect(project.appid).toBe('touristappid')
    expect(project.packOptions.ignore).toEqual(expect.arrayContaining([{type: 'folder', value: 'node_modules'}, {type: 'folder', value: 'tests'}]))
    expect(require('../config.js').apiBase).toBe('http://127.0.0.1:5000')
    expect(fs.existsSync(path.join(root, readJson('app.json').sitemapLocation))).toBe(true)
  })
})
