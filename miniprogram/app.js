/**
 * sixstep 群众诉求小程序 — application entry.
 *
 * The pages are written with Component() (valid for pages, and testable with
 * miniprogram-simulate); all server traffic goes through utils/api.js and the
 * server address lives in config.js.
 */
const api = require('./utils/api.js')
const privacy = require('./utils/privacy.js')

App({
  onLaunch() {
    // chooseMedia/chooseLocation wait for the privacy guide's consent: pages show the popup.
    privacy.watch()

    // Log in early so the first page's requests find a token; pages log in on
    // demand anyway (and concurrent logins share one round trip).
    if (!api.getToken()) api.login().catch(() => {})

    if (wx.canIUse && wx.canIUse('getUpdateManager')) {
      const updater = wx.getUpdateManager()
      updater.onUpdateReady(() => {
        wx.showModal({
          title: '更新提示',
          content: '新版本已经准备好，是否重启使用新版本？',
          success: res => { if (res.confirm) updater.applyUpdate() },
        })
      })
    }
  },
})
