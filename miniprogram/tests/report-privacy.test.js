// The report page with the privacy popup, and what it says when picking photos
// or a place fails. (A file of its own: miniprogram-simulate renders a
// component loaded on its own and inside a page in one file only once.)
const h = require('./helpers')
const privacy = require('../utils/privacy.js')

const ROUTES = {'GET /api/v1/categories': [], 'GET /api/v1/subscriptions/templates': []}

function watchPrivacy(wx) {
  let handler = null
  wx.onNeedPrivacyAuthorization = jest.fn(fn => { handler = fn })
  privacy.reset()
  privacy.watch()
  return resolve => handler(resolve)
}

describe('反映问题: privacy popup', () => {
  test('the report page carries the popup', async () => {
    const {wx} = h.setup(ROUTES)
    const need = watchPrivacy(wx)
    const comp = await h.openPage('report')
    const popup = comp.querySelector('#privacy-popup').dom
    expect(popup.textContent).not.toContain('用户隐私保护提示')
    const resolve = jest.fn()
    need(resolve)
    await h.flush()
    expect(popup.textContent).toContain('用户隐私保护提示')
    expect(resolve).not.toHaveBeenCalled() // waiting for the resident's answer
  })

})

describe('反映问题: a failed photo or place pick says why', () => {
  test.each([
    ['privacy guide not agreed', {errMsg: 'chooseMedia:fail privacy permission is not authorized', errno: 104}, '隐私保护指引'],
    ['camera or album refused', {errMsg: 'chooseMedia:fail auth deny'}, '请在设置中允许访问相册和相机'],
  ])('chooseMedia: %s', async (_, failure, says) => {
    const {wx} = h.setup(ROUTES)
    privacy.reset()
    wx.chooseMedia = jest.fn(o => o.fail(failure))
    const comp = await h.openPage('report')
    await h.tap(comp, '.add-photo')
    expect(wx.showModal).toHaveBeenCalledTimes(1)
    expect(wx.showModal.mock.calls[0][0].title).toBe('无法选择照片')
    expect(wx.showModal.mock.calls[0][0].content).toContain(says)
  })

  test('chooseMedia: closing the picker says nothing', async () => {
    const {wx} = h.setup(ROUTES)
    const comp = await h.openPage('report')
    await h.tap(comp, '.add-photo')
    expect(wx.chooseMedia).toHaveBeenCalled()
    expect(wx.showModal).not.toHaveBeenCalled()
  })

  test('chooseLocation: the privacy guide not agreed is said so', async () => {
    const {wx} = h.setup(ROUTES)
    wx.chooseLocation = jest.fn(o => o.fail({errMsg: 'chooseLocation:fail privacy permission is not authorized', errno: 104}))
    const comp = await h.openPage('report')
    await h.tap(comp, '.location-text')
    expect(wx.showModal.mock.calls[0][0].content).toContain('隐私保护指引')
  })
})
